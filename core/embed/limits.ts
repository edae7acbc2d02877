import { BYTES_PER_TOKEN } from '../limits/estimate.ts';

/**
 * Request limits of POST /v1/embeddings, and the longest input any embedder accepts. Chars are
 * UTF-16 code units (String#length). Derived from OpenAI's own limits (2048 inputs, 8192 tokens
 * per input, 300,000 tokens per request) at the edge's estimate of bytes per token.
 */
export const EMBED_LIMITS = {
  inputsPerRequest: 2048,
  inputChars: 8192 * BYTES_PER_TOKEN,
  totalChars: 300_000 * BYTES_PER_TOKEN,
  /** The widest vector an embedder may be configured for (the largest common models give 4096). */
  maxDim: 8192,
} as const;
