/** A server's `/v1/embeddings` answer (encoding_format 'float') as an EmbedResult, checked. */
import type { EmbedResult } from '../engine.ts';

interface EmbeddingsResponse {
  readonly data: readonly { readonly index: number; readonly embedding: unknown }[];
  readonly usage?: { readonly prompt_tokens?: number } | null;
}

const malformed = (problem: string): Error =>
  new Error(`openai-compatible engine: the server sent malformed embeddings: ${problem}`);

/** One vector per input, in input order (by `index`), all of one length. */
export function embedResultOf(response: EmbeddingsResponse, inputs: number): EmbedResult {
  if (response.data.length !== inputs)
    throw malformed(`${response.data.length} vectors for ${inputs} inputs`);
  const vectors: Float32Array[] = new Array<Float32Array>(inputs);
  for (const item of response.data) {
    const { index, embedding } = item;
    if (!Number.isInteger(index) || index < 0 || index >= inputs || vectors[index] !== undefined)
      throw malformed(`bad or repeated index ${String(index)}`);
    if (
      !Array.isArray(embedding) ||
      embedding.length === 0 ||
      !embedding.every((x) => typeof x === 'number' && Number.isFinite(x))
    )
      throw malformed(`vector ${index} is not a list of numbers`);
    vectors[index] = Float32Array.from(embedding as number[]);
  }
  const width = vectors[0]?.length;
  if (vectors.some((v) => v.length !== width)) throw malformed('vectors of different lengths');
  const tokens = response.usage?.prompt_tokens;
  return {
    vectors,
    promptTokens:
      typeof tokens === 'number' && Number.isSafeInteger(tokens) && tokens >= 0 ? tokens : 0,
  };
}
