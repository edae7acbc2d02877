// /api/tags, /api/ps and /api/show from what the edge knows of a model: when it was first seen,
// what its backends announced they can do, and the context they hold.
import * as z from 'zod';
import { ProximaError } from '../errors.ts';
import type { ModelCapability } from '../node/messages.ts';
import { parseOrThrow } from '../validation.ts';

export interface OllamaModelFacts {
  readonly id: string;
  /** When the catalogue first saw it, RFC 3339 (core reads no clock and makes no dates). */
  readonly modifiedAt: string;
  /** Every capability some backend of the model announced. */
  readonly capabilities: readonly ModelCapability[];
  /** The largest context a backend of the model holds, in tokens; null when none said. */
  readonly contextLength: number | null;
  /** The edge's embeddings model (POST /api/embed): it does not chat. */
  readonly embeddingOnly: boolean;
}

/** Ollama's capability names, from the announced ones (a chat model does 'completion'). */
export function ollamaCapabilities(facts: OllamaModelFacts): string[] {
  if (facts.embeddingOnly) return ['embedding'];
  const has = (c: ModelCapability) => facts.capabilities.includes(c);
  return [
    'completion',
    ...(has('tools') ? ['tools'] : []),
    ...(has('fim') ? ['insert'] : []),
    ...(has('vision') ? ['vision'] : []),
    ...(has('reasoning') ? ['thinking'] : []),
    ...(has('embeddings') ? ['embedding'] : []),
  ];
}

/** What Proxima does not know of a model's files: Ollama's fields, left empty. */
const DETAILS = {
  parent_model: '',
  format: '',
  family: '',
  families: null,
  parameter_size: '',
  quantization_level: '',
} as const;

/** Nodes keep the models they announce loaded while connected: no expiry to report. */
export const LOADED_UNTIL = '2318-01-01T00:00:00Z';

function entry(facts: OllamaModelFacts) {
  return {
    name: facts.id,
    model: facts.id,
    modified_at: facts.modifiedAt,
    size: 0,
    digest: '',
    details: DETAILS,
  };
}

/** GET /api/tags: every model the edge serves. */
export function ollamaTagsBody(models: readonly OllamaModelFacts[]) {
  return { models: models.map(entry) };
}

/** GET /api/ps: the models connected nodes hold loaded now. */
export function ollamaPsBody(loaded: readonly OllamaModelFacts[]) {
  return {
    models: loaded.map((m) => {
      const { modified_at: _modified, ...rest } = entry(m);
      return {
        ...rest,
        expires_at: LOADED_UNTIL,
        size_vram: 0,
        ...(m.contextLength === null ? {} : { context_length: m.contextLength }),
      };
    }),
  };
}

/**
 * POST /api/show. `model_info` names the architecture 'proxima', so clients that read
 * `<architecture>.context_length` find the context.
 */
export function ollamaShowBody(facts: OllamaModelFacts) {
  return {
    modelfile: '',
    parameters: '',
    template: '',
    details: DETAILS,
    model_info: {
      'general.architecture': 'proxima',
      ...(facts.contextLength === null ? {} : { 'proxima.context_length': facts.contextLength }),
    },
    capabilities: ollamaCapabilities(facts),
    modified_at: facts.modifiedAt,
  };
}

// Ollama's older clients send `name`; `verbose` asks for tokenizer arrays, which are not kept.
const showRequest = z.object({
  model: z.string().min(1).max(256).optional(),
  name: z.string().min(1).max(256).optional(),
  verbose: z.boolean().nullish(),
});

/** The model a POST /api/show body names (`model`, or `name` from older clients). */
export function parseOllamaShow(body: unknown): string {
  const req = parseOrThrow(showRequest, body, 'request body');
  const id = req.model ?? req.name;
  if (id === undefined)
    throw new ProximaError('invalid_request', `Invalid 'model': required.`, { param: 'model' });
  return id;
}
