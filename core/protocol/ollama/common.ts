// Fields /api/chat and /api/generate share: format, options, think, keep_alive, stream,
// logprobs. Each becomes the OpenAI field parseChatRequest validates, so both dialects resolve
// through one parser.
import * as z from 'zod';
import { ProximaError } from '../errors.ts';
import type { ChatRequest } from '../openai/chat-request.ts';
import type { ModelCapability } from '../node/messages.ts';
import { mapOptions } from './options.ts';
import type { ParamNamer } from './params.ts';

export const wireShared = {
  format: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
  options: z.unknown().optional(),
  stream: z.boolean().nullish(),
  /** How long Ollama keeps the model loaded; nodes keep their models loaded, so it changes nothing. */
  keep_alive: z.union([z.number(), z.string().max(64)]).nullish(),
  think: z.union([z.boolean(), z.enum(['high', 'medium', 'low'])]).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().nullish(),
  /** Proxima's own options (cache, RAG), as on /v1/chat/completions. */
  proxima: z.unknown().optional(),
};

type Shared = { [K in keyof typeof wireShared]?: z.infer<(typeof wireShared)[K]> };

/** An Ollama request as the shared path takes it. */
export interface OllamaAnswer {
  readonly kind: 'answer';
  /** The request in OpenAI's chat shape: the cache scopes on it. */
  readonly body: Record<string, unknown>;
  readonly request: ChatRequest;
  /** `think: false`: reasoning is turned off where the model reasons (see thinkingOff). */
  readonly thinkOff: boolean;
  /** `options.num_ctx`: the context the client expects (see contextShortfall). */
  readonly numCtx: number | null;
  /** Names an error's field as the client sent it. */
  readonly paramOf: ParamNamer;
}

/** An empty conversation or prompt: Ollama's way to load a model. Answered without a job. */
export interface OllamaLoad {
  readonly kind: 'load';
  readonly model: string;
}

export type OllamaTranslation = OllamaAnswer | OllamaLoad;

/** `format`: '' is free text, 'json' any JSON object, an object a JSON schema. */
function responseFormatOf(format: Shared['format']): Record<string, unknown> | undefined {
  if (format === undefined || format === null || format === '') return undefined;
  if (typeof format === 'object')
    return { type: 'json_schema', json_schema: { name: 'format', schema: format } };
  if (format === 'json') return { type: 'json_object' };
  throw new ProximaError(
    'invalid_request',
    `Invalid 'format': must be "json" or a JSON schema object.`,
    { param: 'format' },
  );
}

/** OpenAI fields of the shared Ollama fields, with what is resolved later (think off, num_ctx). */
export function sharedFields(wire: Shared): {
  fields: Record<string, unknown>;
  thinkOff: boolean;
  numCtx: number | null;
} {
  const options = mapOptions(wire.options);
  const responseFormat = responseFormatOf(wire.format);
  const think = wire.think ?? null;
  return {
    fields: {
      ...options.fields,
      // Ollama streams unless told not to.
      stream: wire.stream ?? true,
      ...(responseFormat === undefined ? {} : { response_format: responseFormat }),
      // Thinking on: the model's reasoning comes back in `thinking`; a level is an effort.
      ...(think === true ? { reasoning_effort: 'medium' } : {}),
      ...(typeof think === 'string' ? { reasoning_effort: think } : {}),
      ...(wire.logprobs == null ? {} : { logprobs: wire.logprobs }),
      ...(wire.top_logprobs == null ? {} : { top_logprobs: wire.top_logprobs }),
      ...(wire.proxima === undefined ? {} : { proxima: wire.proxima }),
    },
    thinkOff: think === false,
    numCtx: options.numCtx,
  };
}

/**
 * `think: false` on a model that reasons asks it not to (reasoning effort 'none', which a model
 * with the 'reasoning' capability takes); a model that does not reason already answers without.
 */
export function thinkingOff(
  request: ChatRequest,
  capabilities: readonly ModelCapability[],
): ChatRequest {
  return capabilities.includes('reasoning') ? { ...request, reasoningEffort: 'none' } : request;
}

/**
 * `options.num_ctx` larger than every context a backend of the model holds: a 400 naming it
 * (no node would run the request with that context). Null when it fits, or nothing is known.
 */
export function contextShortfall(
  numCtx: number | null,
  contexts: readonly number[],
): ProximaError | null {
  if (numCtx === null || contexts.length === 0) return null;
  const largest = Math.max(...contexts);
  if (numCtx <= largest) return null;
  return new ProximaError(
    'unsupported_parameter',
    `'options.num_ctx' is ${numCtx}, but the largest context a backend of this model holds is ${largest} tokens; send at most ${largest}.`,
    { param: 'options.num_ctx' },
  );
}

/** What a translation needs to know of the model it names (see resolveOllamaAnswer). */
export interface OllamaModelView {
  /** Tokens of context its largest backend holds; null when none says. */
  readonly contextLength: number | null;
  readonly capabilities: readonly ModelCapability[];
}

/**
 * Resolves what the translation left to the model: `options.num_ctx` against its context (a 400
 * when it cannot fit) and `think: false` (see thinkingOff). An unknown model (undefined) is left
 * for the caller to answer, as for any request.
 */
export function resolveOllamaAnswer(
  t: OllamaAnswer,
  model: OllamaModelView | undefined,
): OllamaAnswer {
  if (model === undefined) return t;
  const short = contextShortfall(
    t.numCtx,
    model.contextLength === null ? [] : [model.contextLength],
  );
  if (short !== null) throw short;
  return t.thinkOff ? { ...t, request: thinkingOff(t.request, model.capabilities) } : t;
}
