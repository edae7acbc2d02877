// Builders for OpenAI's legacy `text_completion` shapes (POST /v1/completions), whole and as SSE
// chunks. Ids and timestamps are passed in; the text and log probabilities come from the answer.
import type { LogprobEntry } from './answer.ts';
import { wireUsage, type CompletionIdentity, type TokenUsage } from './chat-response.ts';

/** A raw completion ends at a stop or at its length: there are no tool calls in this API. */
export type TextFinishReason = 'stop' | 'length';

/** The legacy `logprobs` of a choice: parallel lists, one entry per sampled token. */
export interface LegacyLogprobs {
  readonly tokens: string[];
  readonly token_logprobs: number[];
  /** Per token: the top alternatives and the sampled token itself, token → log probability. */
  readonly top_logprobs: Array<Record<string, number>>;
  /** Where each token starts in the choice's `text`, in UTF-16 code units (JavaScript's length). */
  readonly text_offset: number[];
}

/**
 * Turns log-probability entries into the legacy shape, keeping the text offset across the chunks
 * of a stream. Offsets count complete characters from the tokens' UTF-8 bytes, so a token that
 * holds part of a character does not shift the tokens after it.
 */
export class LegacyLogprobsWriter {
  private offset: number;
  /** Continuation bytes still owed by the character being read, and its UTF-16 length. */
  private owed = 0;
  private pendingUnits = 0;

  /** `start`: where the completion begins in `text` (the prompt's length when it is echoed). */
  constructor(start: number) {
    this.offset = start;
  }

  write(entries: readonly LogprobEntry[]): LegacyLogprobs {
    const out: LegacyLogprobs = {
      tokens: [],
      token_logprobs: [],
      top_logprobs: [],
      text_offset: [],
    };
    for (const e of entries) {
      out.tokens.push(e.token);
      out.token_logprobs.push(e.logprob);
      // A Map, then fromEntries: a token such as '__proto__' stays an ordinary key.
      const top = new Map<string, number>();
      for (const alt of [...e.top, e]) if (!top.has(alt.token)) top.set(alt.token, alt.logprob);
      out.top_logprobs.push(Object.fromEntries(top));
      out.text_offset.push(this.offset);
      for (const b of e.bytes) this.advance(b);
    }
    return out;
  }

  /** One UTF-8 byte: a character's length counts once its last byte arrives. */
  private advance(byte: number): void {
    if (this.owed > 0 && (byte & 0xc0) === 0x80) {
      if (--this.owed === 0) this.offset += this.pendingUnits;
      return;
    }
    // A new character; a sequence cut short became U+FFFD (one unit) when decoded.
    if (this.owed > 0) this.offset += 1;
    this.owed = 0;
    if (byte < 0x80 || byte >= 0xf8 || (byte & 0xc0) === 0x80) this.offset += 1;
    else {
      this.owed = byte >= 0xf0 ? 3 : byte >= 0xe0 ? 2 : 1;
      this.pendingUnits = byte >= 0xf0 ? 2 : 1;
    }
  }
}

/** What every text_completion object starts with. */
function head(who: CompletionIdentity) {
  return {
    id: who.id,
    object: 'text_completion' as const,
    created: who.created,
    model: who.model,
  };
}

function choice(
  text: string,
  logprobs: LegacyLogprobs | null,
  finishReason: TextFinishReason | null,
) {
  return { text, index: 0, logprobs, finish_reason: finishReason };
}

export function textCompletionBody(
  who: CompletionIdentity,
  text: string,
  logprobs: LegacyLogprobs | null,
  finishReason: TextFinishReason,
  usage: TokenUsage,
) {
  return {
    ...head(who),
    choices: [choice(text, logprobs, finishReason)],
    usage: wireUsage(usage),
  };
}

/** One streamed piece: text (and its tokens' log probabilities), or the end with its reason. */
export function textCompletionChunkBody(
  who: CompletionIdentity,
  text: string,
  logprobs: LegacyLogprobs | null,
  finishReason: TextFinishReason | null,
) {
  return {
    ...head(who),
    choices: [choice(text, logprobs, finishReason)],
  };
}

/** The trailing usage chunk sent when stream_options.include_usage is set: no choices. */
export function textCompletionUsageChunkBody(who: CompletionIdentity, usage: TokenUsage) {
  return {
    ...head(who),
    choices: [],
    usage: wireUsage(usage),
  };
}

/**
 * A node finishes a raw completion with 'stop' or 'length'; 'tool_calls' cannot happen without
 * tools, and is reported as the stop it is if a backend ever says so.
 */
export function textFinishReason(reason: 'stop' | 'length' | 'tool_calls'): TextFinishReason {
  return reason === 'length' ? 'length' : 'stop';
}
