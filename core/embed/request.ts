import * as z from 'zod';
import { ProximaError } from '../protocol/errors.ts';
import {
  FIELD_LIMITS,
  isWellFormedText,
  MODEL_ID_PATTERN,
  MODEL_ID_RULE,
} from '../protocol/limits.ts';
import { parseOrThrow } from '../protocol/validation.ts';
import { EMBED_LIMITS as L } from './limits.ts';

/** A validated POST /v1/embeddings request. */
export interface EmbeddingRequest {
  readonly model: string;
  /** Always a list: a single string becomes a list of one. */
  readonly input: readonly string[];
  readonly encodingFormat: 'float' | 'base64';
  readonly dimensions?: number;
}

const text = z
  .string()
  .min(1, 'must not be empty')
  .max(L.inputChars, `must be at most ${L.inputChars} characters`)
  .refine(isWellFormedText, 'must not contain unpaired surrogates');

const wire = z.object({
  model: z.string().regex(MODEL_ID_PATTERN, `must be ${MODEL_ID_RULE}`),
  input: z.union(
    [
      text,
      z
        .array(text)
        .min(1, 'must not be empty')
        .max(L.inputsPerRequest, `must hold at most ${L.inputsPerRequest} inputs`),
    ],
    { error: 'must be a string or an array of strings' },
  ),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: z.number().int().min(1).max(L.maxDim).nullish(),
  user: z.string().max(FIELD_LIMITS.userChars).nullish(),
});

/** OpenAI's API also takes token ids (an array of integers, or of such arrays); we embed text. */
function isTokenInput(input: unknown): boolean {
  return (
    Array.isArray(input) && input.some((item) => typeof item === 'number' || Array.isArray(item))
  );
}

/** Validates OpenAI's embeddings request; a 400 naming the field otherwise. */
export function parseEmbeddingRequest(body: unknown): EmbeddingRequest {
  if (
    typeof body === 'object' &&
    body !== null &&
    isTokenInput((body as { input?: unknown }).input)
  ) {
    throw new ProximaError(
      'invalid_request',
      "Invalid 'input': token ids are not supported here; send text (a string or an array of strings).",
      { param: 'input' },
    );
  }
  const req = parseOrThrow(wire, body, 'request body');
  const input = typeof req.input === 'string' ? [req.input] : req.input;
  let total = 0;
  for (const t of input) total += t.length;
  if (total > L.totalChars) {
    throw new ProximaError(
      'invalid_request',
      `Invalid 'input': ${total} characters in all, over ${L.totalChars} per request; send fewer inputs.`,
      { param: 'input' },
    );
  }
  return {
    model: req.model,
    input,
    encodingFormat: req.encoding_format ?? 'float',
    ...(req.dimensions == null ? {} : { dimensions: req.dimensions }),
  };
}
