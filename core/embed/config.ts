/**
 * The edge's `EMBEDDER` var: which embedder RAG, the semantic cache and POST /v1/embeddings use.
 * Validated here, once, with errors that name the field; URLs and secret names are checked as
 * UPSTREAMS' are (core/routing/upstreams.ts).
 */
import * as z from 'zod';
import { MODEL_ID_PATTERN, MODEL_ID_RULE } from '../protocol/limits.ts';
import { formatPath } from '../protocol/validation.ts';
import { baseUrlSchema, VAR_PATTERN } from '../routing/upstreams.ts';
import { EMBED_LIMITS } from './limits.ts';

/** The built-in embedder's dimensions: what LexicalEmbedder (wasm/) accepts. */
export const LEXICAL_DIM = { default: 256, min: 256, max: 384 } as const;

/** Inputs per call to an OpenAI-compatible server unless `maxBatch` says otherwise: small
 * enough for llama-server and vLLM defaults, and embedAll splits larger requests. */
export const OPENAI_DEFAULT_MAX_BATCH = 64;

/** The name clients send as `model` for the built-in embedder. */
export const LEXICAL_MODEL_NAME = 'proxima-lexical';

export type EmbedderConfig =
  | { readonly kind: 'lexical'; readonly dim: number }
  | {
      readonly kind: 'openai';
      /** No trailing slash: `${baseUrl}/embeddings` is the endpoint. */
      readonly baseUrl: string;
      /** The server's model id, also the `model` clients send. */
      readonly model: string;
      /** The secret holding its API key; absent: no Authorization header. */
      readonly keyVar?: string;
      readonly dim: number;
      readonly maxBatch: number;
      /** Send `dimensions: dim` (models that can shorten their vectors, like text-embedding-3-*). */
      readonly dimensions: boolean;
    }
  | {
      readonly kind: 'workers-ai';
      /** The Workers AI binding's name in the Worker's env. */
      readonly binding: string;
      readonly model: string;
      readonly dim: number;
    };

const KINDS = ['lexical', 'openai', 'workers-ai'] as const;

const modelId = z.string().regex(MODEL_ID_PATTERN, `must be ${MODEL_ID_RULE}`);
const varName = z.string().regex(VAR_PATTERN, 'must be an environment variable name');
const dim = z.number().int().min(1).max(EMBED_LIMITS.maxDim);

const schema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('lexical'),
    dim: z.number().int().min(LEXICAL_DIM.min).max(LEXICAL_DIM.max).default(LEXICAL_DIM.default),
  }),
  z.strictObject({
    kind: z.literal('openai'),
    baseUrl: baseUrlSchema,
    model: modelId,
    keyVar: varName.optional(),
    dim,
    maxBatch: z
      .number()
      .int()
      .min(1)
      .max(EMBED_LIMITS.inputsPerRequest)
      .default(OPENAI_DEFAULT_MAX_BATCH),
    dimensions: z.boolean().default(false),
  }),
  z.strictObject({
    kind: z.literal('workers-ai'),
    binding: varName.default('AI'),
    model: modelId,
    dim,
  }),
]);

/**
 * Parses `EMBEDDER`: unset, blank or "lexical" is the built-in embedder at 256 dimensions; else a
 * JSON object (README, "Embeddings"). Throws an Error naming the bad field (`EMBEDDER.dim: …`).
 */
export function parseEmbedderConfig(raw: string | undefined): EmbedderConfig {
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'lexical') {
    return { kind: 'lexical', dim: LEXICAL_DIM.default };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error(`EMBEDDER is neither "lexical" nor valid JSON: ${(err as Error).message}`);
  }
  const kind = (json as { kind?: unknown } | null)?.kind;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('EMBEDDER: must be "lexical" or a JSON object');
  }
  if (!KINDS.includes(kind as (typeof KINDS)[number])) {
    throw new Error(`EMBEDDER.kind: must be one of ${KINDS.join(', ')}`);
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = formatPath(issue?.path ?? []);
    throw new Error(`EMBEDDER${path === '' ? '' : `.${path}`}: ${issue?.message ?? 'invalid'}`);
  }
  const config = result.data;
  if (config.kind === 'openai') {
    const { keyVar, ...rest } = config;
    return {
      ...rest,
      ...(keyVar === undefined ? {} : { keyVar }),
      baseUrl: rest.baseUrl.replace(/\/+$/, ''),
    };
  }
  return config;
}

/** What clients send as `model` to be served by this embedder. */
export function embeddingModelName(config: EmbedderConfig): string {
  return config.kind === 'lexical' ? LEXICAL_MODEL_NAME : config.model;
}
