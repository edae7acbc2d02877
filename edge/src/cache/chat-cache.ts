// The semantic cache around a chat request: look up before routing, remember after a complete
// answer. Policy (scope, exact key, guard, options) is core's; this file hashes, embeds and calls
// the tenant's SemanticCache object. A cache that cannot be reached is skipped, never fatal.
import {
  CACHE_DEFAULTS,
  cacheScope,
  lastUserTurn,
  parseCacheOptions,
  type CacheMode,
  type CacheOptions,
  type CacheSource,
} from '@proxima/core/cache';
import type { Embedder } from '@proxima/core/embed';
import type { ChatMessage } from '@proxima/core/protocol';
import { sha256Hex } from '../auth/hash.ts';
import type { Env } from '../env.ts';
import { cacheEpochOf } from './epochs.ts';
import type { CachedAnswer } from './replay.ts';
import { cacheStub } from './stub.ts';

export type CacheStatus = 'HIT' | 'SEMANTIC_HIT' | 'MISS' | 'OFF';

export interface CacheTicket {
  readonly status: CacheStatus;
  readonly similarity: number | null;
  readonly answer: CachedAnswer | null;
  /** Stores a complete answer for later requests (a no-op when caching is off for this one). */
  remember(answer: CachedAnswer, sources: readonly CacheSource[]): Promise<void>;
}

const MODES: readonly CacheMode[] = ['off', 'exact', 'semantic'];

/** The deployment's default mode (`CACHE_MODE`, default off: a cached answer ignores sampling). */
export function cacheOptionsOf(env: Env, raw: unknown): CacheOptions {
  return parseCacheOptions(raw, {
    mode: deploymentMode(env),
    threshold: CACHE_DEFAULTS.threshold,
    ttlSeconds: CACHE_DEFAULTS.ttlSeconds,
  });
}

let warnedMode: string | null = null;

/** CACHE_MODE, or the default; a value that is none of the modes is logged once per isolate. */
function deploymentMode(env: Env): CacheMode {
  const raw = env.CACHE_MODE;
  if (raw === undefined || raw === '') return CACHE_DEFAULTS.mode;
  if ((MODES as readonly string[]).includes(raw)) return raw as CacheMode;
  if (warnedMode !== raw) {
    warnedMode = raw;
    console.error(
      JSON.stringify({
        event: 'cache.mode_invalid',
        error: `CACHE_MODE must be one of ${MODES.join(', ')}, not ${JSON.stringify(raw.slice(0, 64))}; using ${CACHE_DEFAULTS.mode}`,
      }),
    );
  }
  return CACHE_DEFAULTS.mode;
}

const off = (status: CacheStatus = 'OFF'): CacheTicket => ({
  status,
  similarity: null,
  answer: null,
  remember: () => Promise.resolve(),
});

export async function consultCache(
  env: Env,
  tenant: string,
  body: Readonly<Record<string, unknown>>,
  model: string,
  messages: readonly ChatMessage[],
  options: CacheOptions,
  /** The request's embedder, made on first use (a misconfigured one throws only if needed). */
  embedderOf: () => Embedder,
): Promise<CacheTicket> {
  if (options.mode === 'off') return off();
  const turn = lastUserTurn(messages);
  if (!turn.ok) return off();
  const epoch = await cacheEpochOf(env, tenant);
  if (epoch === null) return off('MISS');
  const { messages: _m, ...params } = body;
  const scope = await sha256Hex(cacheScope({ tenant, epoch, model, params, messages }));
  let vector: Float32Array | null = null;
  if (options.mode === 'semantic') {
    const embedder = embedderOf();
    // A prompt longer than the embedder takes can still hit exactly, never semantically.
    if (turn.text.length <= embedder.maxInputChars)
      [vector = null] = await embedder.embed([turn.text]);
  }
  const stub = cacheStub(env, tenant);
  const found = await stub.lookup({
    tenant,
    scope,
    prompt: turn.text,
    vector,
    mode: options.mode,
    threshold: options.threshold,
  });
  const remember = async (answer: CachedAnswer, sources: readonly CacheSource[]) => {
    await stub.put({
      tenant,
      scope,
      prompt: turn.text,
      vector,
      answer,
      ttlSeconds: options.ttlSeconds,
      tags: options.tags,
      sources,
    });
  };
  if (found.kind === 'miss') return { status: 'MISS', similarity: null, answer: null, remember };
  return {
    status: found.kind === 'hit' ? 'HIT' : 'SEMANTIC_HIT',
    similarity: found.similarity,
    answer: found.answer,
    remember,
  };
}

/** Response headers that say what the cache did. */
export function cacheHeaders(ticket: CacheTicket): Record<string, string> {
  if (ticket.status === 'OFF') return {};
  return {
    'x-proxima-cache': ticket.status,
    ...(ticket.similarity === null ? {} : { 'x-proxima-similarity': ticket.similarity.toFixed(4) }),
  };
}
