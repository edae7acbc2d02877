/**
 * The one request bench:api sends three ways: Ollama's /api/chat, OpenAI's /v1/chat/completions
 * (both through the edge) and the engine's GenerateRequest in process. One prompt, one sampler.
 */
import type { GenerateRequest } from '../../local-node/src/engine/engine.ts';

export const MESSAGES = [{ role: 'user', content: 'Say something.' }] as const;

export interface Sampling {
  readonly maxTokens: number;
  readonly temperature: number;
  readonly seed: number;
  /** A json_schema response format (OpenAI dialect and engine only). */
  readonly schema?: Readonly<Record<string, unknown>>;
}

/** What an answer told us: its text and how many tokens were generated. */
export interface Answered {
  readonly text: string;
  readonly completionTokens: number;
}

export function openaiBody(model: string, s: Sampling, stream = false): string {
  return JSON.stringify({
    model,
    messages: MESSAGES,
    max_tokens: s.maxTokens,
    temperature: s.temperature,
    top_p: 1,
    seed: s.seed,
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
    ...(s.schema === undefined
      ? {}
      : { response_format: { type: 'json_schema', json_schema: { name: 'b', schema: s.schema } } }),
  });
}

export function ollamaBody(model: string, s: Sampling): string {
  if (s.schema !== undefined) throw new Error('ollamaBody: schemas are only sent as OpenAI');
  return JSON.stringify({
    model,
    messages: MESSAGES,
    stream: false,
    options: { num_predict: s.maxTokens, temperature: s.temperature, top_p: 1, seed: s.seed },
  });
}

export function engineRequest(model: string, s: Sampling): GenerateRequest {
  return {
    model,
    messages: MESSAGES.map((m) => ({ ...m })),
    maxTokens: s.maxTokens,
    temperature: s.temperature,
    topP: 1,
    stop: [],
    seed: s.seed,
    ...(s.schema === undefined
      ? {}
      : { responseFormat: { type: 'json_schema', schema: s.schema } }),
  };
}

export function parseOpenai(body: unknown): Answered {
  const b = body as {
    choices?: Array<{ message?: { content?: string | null } }>;
    usage?: { completion_tokens?: number };
  };
  const text = b.choices?.[0]?.message?.content;
  const tokens = b.usage?.completion_tokens;
  if (typeof text !== 'string' || typeof tokens !== 'number')
    throw new Error(`not a chat completion: ${JSON.stringify(body).slice(0, 200)}`);
  return { text, completionTokens: tokens };
}

export function parseOllama(body: unknown): Answered {
  const b = body as { message?: { content?: string }; eval_count?: number; done?: boolean };
  const text = b.message?.content;
  if (b.done !== true || typeof text !== 'string' || typeof b.eval_count !== 'number')
    throw new Error(`not an Ollama chat answer: ${JSON.stringify(body).slice(0, 200)}`);
  return { text, completionTokens: b.eval_count };
}
