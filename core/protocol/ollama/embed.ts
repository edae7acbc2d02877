// POST /api/embed: Ollama's body as OpenAI's embeddings request (one parser), and its response.
import * as z from 'zod';
import { parseEmbeddingRequest, type EmbeddingRequest } from '../../embed/request.ts';
import { ProximaError } from '../errors.ts';
import { parseOrThrow } from '../validation.ts';

const wireOllamaEmbed = z.object({
  model: z.unknown(),
  input: z.unknown(),
  /** Ollama truncates long inputs by default; inputs past the limit are refused here either way. */
  truncate: z.boolean().nullish(),
  keep_alive: z.union([z.number(), z.string().max(64)]).nullish(),
  dimensions: z.unknown().optional(),
  options: z.record(z.string(), z.unknown()).nullish(),
});

/** Validates an /api/embed body; a 400 naming the Ollama field otherwise. */
export function parseOllamaEmbed(body: unknown): EmbeddingRequest {
  const wire = parseOrThrow(wireOllamaEmbed, body, 'request body');
  for (const [name, value] of Object.entries(wire.options ?? {}))
    if (value !== null && value !== undefined)
      throw new ProximaError(
        'unsupported_parameter',
        `'options.${name}' is not supported: the embeddings model takes no options.`,
        { param: `options.${name}` },
      );
  return parseEmbeddingRequest({
    model: wire.model,
    input: wire.input,
    ...(wire.dimensions == null ? {} : { dimensions: wire.dimensions }),
  });
}

export function ollamaEmbedBody(
  model: string,
  vectors: readonly Float32Array[],
  promptTokens: number,
  totalMs: number,
) {
  return {
    model,
    embeddings: vectors.map((v) => Array.from(v)),
    total_duration: Math.round(Math.max(0, totalMs) * 1_000_000),
    load_duration: 0,
    prompt_eval_count: promptTokens,
  };
}
