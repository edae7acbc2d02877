// OpenAI's base64 embeddings are the little-endian float32 bytes, base64-encoded: the same codec
// the RAG shards use for centroids.
import { f32ToBase64 } from '../rag/shard-base64.ts';

export interface EmbeddingListBody {
  readonly object: 'list';
  readonly data: ReadonlyArray<{
    readonly object: 'embedding';
    readonly index: number;
    readonly embedding: number[] | string;
  }>;
  readonly model: string;
  readonly usage: { readonly prompt_tokens: number; readonly total_tokens: number };
}

/** OpenAI's embeddings answer, vectors as float arrays or as base64 of little-endian float32. */
export function embeddingListBody(
  model: string,
  vectors: readonly Float32Array[],
  encodingFormat: 'float' | 'base64',
  promptTokens: number,
): EmbeddingListBody {
  return {
    object: 'list',
    data: vectors.map((v, index) => ({
      object: 'embedding',
      index,
      embedding: encodingFormat === 'base64' ? f32ToBase64(v) : Array.from(v),
    })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}
