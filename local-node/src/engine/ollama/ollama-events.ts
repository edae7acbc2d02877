/**
 * Ollama's streamed lines as GenerateEvents: `content`/`response` → text, `thinking` →
 * reasoning, `tool_calls` → whole calls (with ids made here: older servers give none), logprobs,
 * and on the `done` line the finish reason and usage (prompt_eval_count, eval_count).
 */
import type { LogprobEntry, TokenLogprob, ToolCallDelta } from '@proxima/core/protocol';
import { deltaBeyondText, type AnswerDelta } from '@proxima/core/protocol';
import type { FinishReason, GenerateEvent } from '../engine.ts';
import { parseForcedCalls, type ForcedTools } from './ollama-tool-choice.ts';

export interface OllamaWireLogprob {
  readonly token: string;
  readonly logprob: number;
  readonly bytes?: readonly number[] | null;
  readonly top_logprobs?: readonly OllamaWireLogprob[] | null;
}

export interface OllamaWireCall {
  readonly function: {
    readonly name: string;
    /** An object; some servers send its JSON text. */
    readonly arguments?: Readonly<Record<string, unknown>> | string | null;
  };
}

/** The fields of a /api/chat or /api/generate line this reader uses. */
export interface OllamaChunk {
  readonly message?: {
    readonly content?: string | null;
    readonly thinking?: string | null;
    readonly tool_calls?: readonly OllamaWireCall[] | null;
  } | null;
  readonly response?: string | null;
  readonly thinking?: string | null;
  readonly done: boolean;
  readonly done_reason?: string | null;
  readonly prompt_eval_count?: number | null;
  readonly eval_count?: number | null;
  readonly logprobs?: readonly OllamaWireLogprob[] | null;
}

export interface ReaderOptions {
  /** The calls come as JSON text (tool_choice required or named): held back, then parsed. */
  readonly forced?: ForcedTools | undefined;
  /** False: only the first tool call is passed on. */
  readonly parallelToolCalls?: boolean;
  readonly newCallId: () => string;
}

function tokenOf(l: OllamaWireLogprob): TokenLogprob {
  return {
    token: l.token,
    logprob: l.logprob,
    bytes: l.bytes ? [...l.bytes] : [...Buffer.from(l.token, 'utf8')],
  };
}

/** One entry per token; alternatives best first. */
export function logprobEntryOf(l: OllamaWireLogprob): LogprobEntry {
  const top = (l.top_logprobs ?? []).map(tokenOf).sort((a, b) => b.logprob - a.logprob);
  return { ...tokenOf(l), top };
}

function argumentsText(args: OllamaWireCall['function']['arguments']): string {
  if (args === undefined || args === null) return '{}';
  return typeof args === 'string' ? args : JSON.stringify(args);
}

export class OllamaStreamReader {
  readonly #options: ReaderOptions;
  /** Text written under a forced tool choice: the calls' JSON. */
  #held = '';
  /** Calls passed on so far (their indexes run over the whole answer). */
  #calls = 0;
  #heldCalls: OllamaWireCall[] = [];
  #finished = false;

  constructor(options: ReaderOptions) {
    this.#options = options;
  }

  /** True once the `done` line was read. */
  get finished(): boolean {
    return this.#finished;
  }

  /** The events one line makes: deltas, and `done` on the last line. */
  push(chunk: OllamaChunk): GenerateEvent[] {
    if (this.#finished) return [];
    const events: GenerateEvent[] = [];
    const delta = this.#deltaOf(chunk);
    if (delta.text !== '' || deltaBeyondText(delta)) events.push({ type: 'delta', ...delta });
    if (!chunk.done) return events;
    this.#finished = true;
    let finishReason: FinishReason = chunk.done_reason === 'length' ? 'length' : 'stop';
    if (this.#options.forced && finishReason !== 'length') {
      const calls = this.#forcedCalls(this.#options.forced);
      events.push({ type: 'delta', text: '', toolCalls: calls });
      this.#calls += calls.length;
    }
    if (this.#calls > 0 && finishReason === 'stop') finishReason = 'tool_calls';
    events.push({
      type: 'done',
      finishReason,
      usage: {
        promptTokens: chunk.prompt_eval_count ?? 0,
        completionTokens: chunk.eval_count ?? 0,
      },
    });
    return events;
  }

  #deltaOf(chunk: OllamaChunk): AnswerDelta {
    const text = chunk.message?.content ?? chunk.response ?? '';
    const reasoning = chunk.message?.thinking ?? chunk.thinking ?? '';
    const wireCalls = chunk.message?.tool_calls ?? [];
    const withReasoning = reasoning === '' ? {} : { reasoning };
    if (this.#options.forced) {
      // The calls' JSON is no answer text; its logprobs are dropped (OpenAI gives none for calls).
      this.#held += text;
      this.#heldCalls.push(...wireCalls);
      return { text: '', ...withReasoning };
    }
    const calls = this.#passedCalls(wireCalls);
    const logprobs = (chunk.logprobs ?? []).map(logprobEntryOf);
    return {
      text,
      ...withReasoning,
      ...(calls.length === 0 ? {} : { toolCalls: calls }),
      ...(logprobs.length === 0 ? {} : { logprobs }),
    };
  }

  #passedCalls(wire: readonly OllamaWireCall[]): ToolCallDelta[] {
    const room =
      this.#options.parallelToolCalls === false ? Math.max(0, 1 - this.#calls) : wire.length;
    return wire.slice(0, room).map((c) => ({
      index: this.#calls++,
      id: this.#options.newCallId(),
      name: c.function.name,
      arguments: argumentsText(c.function.arguments),
    }));
  }

  /** The forced calls: as the server parsed them, else from the JSON text. */
  #forcedCalls(forced: ForcedTools): ToolCallDelta[] {
    if (this.#heldCalls.length > 0) {
      const json = `[${this.#heldCalls
        .map(
          (c) =>
            `{"name":${JSON.stringify(c.function.name)},"arguments":${argumentsText(c.function.arguments)}}`,
        )
        .join(',')}]`;
      return parseForcedCalls(json, forced, this.#options.newCallId);
    }
    return parseForcedCalls(this.#held, forced, this.#options.newCallId);
  }
}
