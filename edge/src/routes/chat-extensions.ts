// The chat route's Proxima extensions: the `proxima` field of a request (cache and RAG options),
// a cache lookup that never fails the request, and the sources a grounded answer records.
import type { CacheOptions, CacheSource } from '@proxima/core/cache';
import { memoizedEmbedder, type Embedder } from '@proxima/core/embed';
import { ProximaError, type ChatRequest } from '@proxima/core/protocol';
import { consultCache, type CacheTicket } from '../cache/chat-cache.ts';
import { embedderFor } from '../embed/embedder.ts';
import type { Env } from '../env.ts';
import type { Grounding } from '../rag/ground.ts';

/** The `proxima` extension object of a chat body (validated field by field by its parsers). */
export function proximaExtension(body: unknown): {
  readonly cache: unknown;
  readonly rag: unknown;
} {
  const ext = (body as { proxima?: unknown }).proxima;
  if (typeof ext !== 'object' || ext === null) return { cache: undefined, rag: undefined };
  const { cache, rag } = ext as { cache?: unknown; rag?: unknown };
  return { cache, rag };
}

/** The cache, or a miss when its object cannot be reached: the request is served either way. */
export async function consultCacheSafely(
  env: Env,
  tenant: string,
  body: unknown,
  req: ChatRequest,
  options: CacheOptions,
  embedderOf: () => Embedder,
): Promise<CacheTicket> {
  try {
    return await consultCache(
      env,
      tenant,
      body as Record<string, unknown>,
      req.model,
      req.messages,
      options,
      embedderOf,
    );
  } catch (err) {
    if (err instanceof ProximaError && err.status < 500) throw err;
    console.warn(
      JSON.stringify({ event: 'cache.lookup_failed', error: String(err).slice(0, 200) }),
    );
    return { status: 'MISS', similarity: null, answer: null, remember: () => Promise.resolve() };
  }
}

/**
 * The request's embedder, made on first use and memoized, so that the cache lookup and RAG's
 * search embed the last user turn once between them.
 */
export function requestEmbedder(env: Env): () => Embedder {
  let made: Embedder | undefined;
  return () => (made ??= memoizedEmbedder(embedderFor(env)));
}

export function sourcesOf(g: Grounding): CacheSource[] {
  const seen = new Map<string, CacheSource>();
  for (const h of g.hits)
    seen.set(h.document_id, {
      namespace: g.namespace,
      documentId: h.document_id,
      version: h.version,
    });
  return [...seen.values()];
}
