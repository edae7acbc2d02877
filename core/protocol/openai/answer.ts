// An answer as it streams (deltas) and as a whole: text, reasoning, tool calls and log
// probabilities. Nodes, upstreams, the cache and both API dialects speak these shapes.
import type { ToolCall } from './tools.ts';

export interface TokenLogprob {
  readonly token: string;
  readonly logprob: number;
  /** The token's UTF-8 bytes: a token may hold part of a character. */
  readonly bytes: readonly number[];
}

export interface LogprobEntry extends TokenLogprob {
  /** The most likely alternatives at this position, best first (top_logprobs of them). */
  readonly top: readonly TokenLogprob[];
}

/** A tool call as a stream carries it: whole, at its position in the answer's list of calls. */
export interface ToolCallDelta extends ToolCall {
  readonly index: number;
}

export interface AnswerDelta {
  readonly text: string;
  readonly reasoning?: string;
  readonly toolCalls?: readonly ToolCallDelta[];
  readonly logprobs?: readonly LogprobEntry[];
}

export interface Answer {
  readonly text: string;
  /** '' when the model did not reason (or does not separate its reasoning). */
  readonly reasoning: string;
  readonly toolCalls: readonly ToolCall[];
  /** Null when they were not asked for. */
  readonly logprobs: readonly LogprobEntry[] | null;
}

/** True when the delta carries more than text: such a stream cannot be continued from its text. */
export function deltaBeyondText(delta: AnswerDelta): boolean {
  return (
    (delta.reasoning ?? '') !== '' ||
    (delta.toolCalls?.length ?? 0) > 0 ||
    (delta.logprobs?.length ?? 0) > 0
  );
}

/** Collects deltas into the whole answer (for a non-streamed response and for the cache). */
export class AnswerBuilder {
  private text = '';
  private reasoning = '';
  private readonly calls = new Map<number, ToolCall>();
  private readonly logprobs: LogprobEntry[] = [];
  private readonly wantLogprobs: boolean;

  constructor(wantLogprobs: boolean) {
    this.wantLogprobs = wantLogprobs;
  }

  add(delta: AnswerDelta): void {
    this.text += delta.text;
    this.reasoning += delta.reasoning ?? '';
    for (const c of delta.toolCalls ?? [])
      this.calls.set(c.index, { id: c.id, name: c.name, arguments: c.arguments });
    if (this.wantLogprobs) this.logprobs.push(...(delta.logprobs ?? []));
  }

  get answer(): Answer {
    return {
      text: this.text,
      reasoning: this.reasoning,
      toolCalls: [...this.calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c),
      logprobs: this.wantLogprobs ? [...this.logprobs] : null,
    };
  }
}

/** An answer of text alone (a replayed cache entry, a plain upstream reply). */
export function textAnswer(text: string): Answer {
  return { text, reasoning: '', toolCalls: [], logprobs: null };
}
