import { parseUpstreams, type UpstreamConfig } from '@proxima/core/routing';
import { intVar, type Env } from '../env.ts';

/**
 * The `UPSTREAMS` var parsed once per isolate (keyed by its text, so a test that changes it
 * between requests is still honest). A bad value disables the upstream tier and is logged once
 * per isolate with the field named (`upstreams.invalid`): the nodes keep serving, rather than
 * every request failing over a fallback's typo.
 */
let parsed: {
  readonly raw: string | undefined;
  readonly result: readonly UpstreamConfig[] | Error;
} | null = null;

export function upstreamsOf(env: Env): readonly UpstreamConfig[] {
  if (parsed === null || parsed.raw !== env.UPSTREAMS) {
    let result: readonly UpstreamConfig[] | Error;
    try {
      result = parseUpstreams(env.UPSTREAMS);
    } catch (err) {
      result = err instanceof Error ? err : new Error(String(err));
      console.error(
        JSON.stringify({ event: 'upstreams.invalid', error: result.message.slice(0, 500) }),
      );
    }
    parsed = { raw: env.UPSTREAMS, result };
  }
  return parsed.result instanceof Error ? [] : parsed.result;
}

/** Why `UPSTREAMS` turned the upstream tier off in this isolate, or null when it did not. */
export function upstreamsProblem(env: Env): string | null {
  upstreamsOf(env);
  return parsed?.result instanceof Error ? parsed.result.message : null;
}

/**
 * The largest whole (non-streamed) answer the edge reads from an upstream: the longest completion
 * a client may ask for (131,072 tokens) is well under 1 MiB of text, so 8 MiB leaves room for any
 * honest answer's JSON and stops a runaway one.
 */
export const UPSTREAM_ANSWER_MAX_BYTES = 8 * 1024 * 1024;

/** The API key from the secret the config names; undefined when it names none. */
export function upstreamKey(env: Env, upstream: UpstreamConfig): string | undefined {
  if (upstream.keyVar === undefined) return undefined;
  const value = (env as unknown as Record<string, unknown>)[upstream.keyVar];
  if (typeof value !== 'string' || value === '') {
    throw new Error(`upstream ${upstream.name}: the secret ${upstream.keyVar} is not set`);
  }
  return value;
}

/**
 * How long an upstream may take to answer: its headers and its first event when streaming, the
 * whole answer otherwise (`UPSTREAM_TIMEOUT_MS`, default 60 s).
 */
export function upstreamTimeoutMs(env: Env): number {
  return intVar(env.UPSTREAM_TIMEOUT_MS, 60_000, 100, 600_000);
}
