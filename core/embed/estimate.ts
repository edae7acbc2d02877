import { estimateTokens } from '../limits/estimate.ts';
import { utf8Length } from '../protocol/limits.ts';

/**
 * Prompt tokens of an embeddings request, reserved against tokens per minute and reported as its
 * usage: the edge's one estimate (UTF-8 bytes / 4), nothing generated.
 */
export function estimateEmbeddingTokens(input: readonly string[]): number {
  let bytes = 0;
  for (const text of input) bytes += utf8Length(text);
  return estimateTokens(bytes, 0);
}
