// One request may embed the same text twice: a chat's last user turn is the cache's lookup key and
// RAG's query. A memo in front of the request's embedder pays for it once. Keep one per request:
// it holds texts, so sharing it across requests (or tenants) would keep their prompts alive.
import type { EmbedOptions, Embedder } from './embedder.ts';

/** Texts a memo keeps; a chat asks for at most two. */
const MEMO_TEXTS = 8;

/**
 * An Embedder that answers a text it has already embedded from memory (the same vector object:
 * callers must not write into vectors). Batches of unseen texts go to `inner` as one call.
 */
export function memoizedEmbedder(inner: Embedder): Embedder {
  const memo = new Map<string, Float32Array>();
  return {
    id: inner.id,
    dim: inner.dim,
    maxBatch: inner.maxBatch,
    maxInputChars: inner.maxInputChars,
    async embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]> {
      const known = new Map<string, Float32Array>();
      for (const t of texts) {
        const v = memo.get(t);
        if (v) known.set(t, v);
      }
      const unseen = [...new Set(texts.filter((t) => !known.has(t)))];
      if (unseen.length > 0) {
        const vectors = await inner.embed(unseen, options);
        unseen.forEach((t, i) => {
          const v = vectors[i]!;
          known.set(t, v);
          if (memo.size >= MEMO_TEXTS) memo.delete(memo.keys().next().value!);
          memo.set(t, v);
        });
      }
      return texts.map((t) => known.get(t)!);
    },
  };
}
