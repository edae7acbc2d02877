// Ollama's response shapes: one JSON object for a whole answer; NDJSON lines (`done: false`, then
// a final `done: true` line with the metrics) for a stream; `{"error": "..."}` for a failure.
// Timestamps and durations are measured by the caller and passed in.
import { ProximaError } from '../errors.ts';
import type { Answer, AnswerDelta, LogprobEntry } from '../openai/answer.ts';
import { wireLogprobs, type FinishReason, type TokenUsage } from '../openai/chat-response.ts';
import type { ToolCall } from '../openai/tools.ts';

/** /api/chat answers in `message`, /api/generate in `response`. */
export type OllamaDialect = 'chat' | 'generate';

export interface OllamaIdentity {
  readonly dialect: OllamaDialect;
  readonly model: string;
  /** RFC 3339 time of the line. */
  readonly createdAt: string;
}

/** Wall-clock times of the answer, in ms since the epoch. */
export interface OllamaTimes {
  readonly startMs: number;
  /** When the first output arrived; null when unknown (a whole answer). */
  readonly firstOutputMs: number | null;
  readonly endMs: number;
}

const NS_PER_MS = 1_000_000;

/** Ollama's metrics: durations in nanoseconds, token counts from the backend's usage. */
export function ollamaMetrics(usage: TokenUsage, times: OllamaTimes) {
  const total = Math.max(0, times.endMs - times.startMs);
  const prompt =
    times.firstOutputMs === null ? 0 : Math.max(0, times.firstOutputMs - times.startMs);
  return {
    total_duration: Math.round(total * NS_PER_MS),
    // Nodes keep their models loaded: no request waits for a load.
    load_duration: 0,
    prompt_eval_count: usage.promptTokens,
    prompt_eval_duration: Math.round(prompt * NS_PER_MS),
    eval_count: usage.completionTokens,
    eval_duration: Math.round(Math.max(0, total - prompt) * NS_PER_MS),
  };
}

/** Ollama reports a turn that ended in tool calls as 'stop'. */
export function ollamaDoneReason(finishReason: FinishReason): 'stop' | 'length' {
  return finishReason === 'length' ? 'length' : 'stop';
}

/** A call's arguments as the object Ollama sends; the grammar made them a JSON object. */
function argumentsObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ProximaError(
      'node_failed',
      'The backend returned tool-call arguments that are not a JSON object.',
    );
  return value as Record<string, unknown>;
}

export function ollamaToolCalls(calls: ReadonlyArray<ToolCall & { readonly index?: number }>) {
  return calls.map((c, i) => ({
    id: c.id,
    function: { index: c.index ?? i, name: c.name, arguments: argumentsObject(c.arguments) },
  }));
}

/** Ollama's entries are OpenAI's `logprobs.content` entries: token, logprob, bytes, top_logprobs. */
export function ollamaLogprobs(entries: readonly LogprobEntry[]) {
  return wireLogprobs(entries).content;
}

/** The part of a line that holds output: `message` for chat, `response` (+ thinking) for generate. */
function output(who: OllamaIdentity, part: Pick<Answer, 'text' | 'reasoning' | 'toolCalls'>) {
  const thinking = part.reasoning === '' ? {} : { thinking: part.reasoning };
  if (who.dialect === 'generate') return { response: part.text, ...thinking };
  return {
    message: {
      role: 'assistant' as const,
      content: part.text,
      ...thinking,
      ...(part.toolCalls.length > 0 ? { tool_calls: ollamaToolCalls(part.toolCalls) } : {}),
    },
  };
}

/** A `done: true` line without output. */
function emptyEnd<R extends string>(who: OllamaIdentity, doneReason: R) {
  return {
    model: who.model,
    created_at: who.createdAt,
    ...output(who, { text: '', reasoning: '', toolCalls: [] }),
    done: true as const,
    done_reason: doneReason,
  };
}

/** A whole answer (stream: false). */
export function ollamaAnswerBody(
  who: OllamaIdentity,
  answer: Answer,
  finishReason: FinishReason,
  usage: TokenUsage,
  times: OllamaTimes,
) {
  return {
    model: who.model,
    created_at: who.createdAt,
    ...output(who, answer),
    done: true as const,
    done_reason: ollamaDoneReason(finishReason),
    ...ollamaMetrics(usage, times),
    ...(answer.logprobs === null ? {} : { logprobs: ollamaLogprobs(answer.logprobs) }),
  };
}

/** A streamed line of output (`done: false`); null for a delta that carries nothing. */
export function ollamaDeltaLine(who: OllamaIdentity, delta: AnswerDelta, withLogprobs: boolean) {
  const calls = delta.toolCalls ?? [];
  const logprobs = delta.logprobs ?? [];
  if (delta.text === '' && !delta.reasoning && calls.length === 0 && logprobs.length === 0)
    return null;
  return {
    model: who.model,
    created_at: who.createdAt,
    ...output(who, { text: delta.text, reasoning: delta.reasoning ?? '', toolCalls: calls }),
    done: false as const,
    ...(withLogprobs ? { logprobs: ollamaLogprobs(logprobs) } : {}),
  };
}

/** The last line of a stream: no output, the reason and the metrics. */
export function ollamaDoneLine(
  who: OllamaIdentity,
  finishReason: FinishReason,
  usage: TokenUsage,
  times: OllamaTimes,
) {
  return { ...emptyEnd(who, ollamaDoneReason(finishReason)), ...ollamaMetrics(usage, times) };
}

/** The answer to an empty conversation or prompt: the model is loaded (nodes keep it so). */
export function ollamaLoadBody(who: OllamaIdentity) {
  return emptyEnd(who, 'load');
}

/** Ollama's error body, for a status response and for the last line of a failed stream. */
export function ollamaErrorBody(message: string): { readonly error: string } {
  return { error: message };
}

/** One NDJSON line. */
export function ndjsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';
