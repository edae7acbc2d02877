import {
  ToolCallFragments,
  type AnswerDelta,
  type FinishReason,
  type TokenUsage,
  type ToolCallDelta,
} from '@proxima/core/protocol';
import type { JobEvent, JobEventSource } from '../node-session/job-events.ts';
import { chunkPartsOf, newToolCallId, type ChunkParts } from './wire-answer.ts';

/**
 * An upstream's OpenAI SSE stream as the JobEvents the node path yields, so chat.ts writes one
 * stream shape with our id and the client's model name whoever generated it. Tool calls come in
 * fragments and leave whole (core's ToolCallFragments). The upstream's own error text is never
 * forwarded: an `error` payload becomes the `upstream_failed` code.
 */
export class UpstreamSseEvents implements JobEventSource {
  private readonly reader: ReadableStreamDefaultReader<string>;
  private buffered = '';
  private finish: FinishReason | null = null;
  private usage: TokenUsage = { promptTokens: 0, completionTokens: 0 };
  private readonly calls = new ToolCallFragments(newToolCallId);
  /** The done event, held back while the calls completed at the stream's end go out. */
  private heldDone: JobEvent | null = null;
  private ended = false;
  private readonly wantLogprobs: boolean;
  private readonly onEnd: () => void;

  constructor(body: ReadableStream<Uint8Array>, wantLogprobs: boolean, onEnd: () => void) {
    this.reader = body.pipeThrough(new TextDecoderStream()).getReader();
    this.wantLogprobs = wantLogprobs;
    this.onEnd = onEnd;
  }

  async next(): Promise<JobEvent | null> {
    if (this.heldDone !== null) {
      const done = this.heldDone;
      this.heldDone = null;
      return this.end(done);
    }
    if (this.ended) return null;
    try {
      for (;;) {
        const line = await this.line();
        if (line === null) return this.end(this.finish === null ? null : this.done());
        if (!line.startsWith('data:')) continue; // comments, event:, id:, blank separators
        const data = line.slice(5).trim();
        if (data === '[DONE]') return this.end(this.done());
        const event = this.parse(data);
        if (event) return event.t === 'chunk' ? event : this.end(event);
      }
    } catch {
      return this.end(null); // the connection broke: ended without finishing
    }
  }

  async cancel(): Promise<void> {
    this.heldDone = null;
    this.end(null);
    await this.reader.cancel().catch(() => undefined);
  }

  private parse(data: string): JobEvent | null {
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      return failed('unparseable chunk');
    }
    const parts = chunkPartsOf(chunk);
    if (!parts.ok) return failed(parts.problem);
    if (parts.value.usage) this.usage = parts.value.usage;
    const completed = this.calls.add(parts.value.fragments);
    if (!completed.ok) return failed(completed.problem);
    let calls = completed.calls;
    if (parts.value.finish !== null) {
      this.finish = parts.value.finish;
      const rest = this.calls.finish();
      if (!rest.ok) return failed(rest.problem);
      calls = [...calls, ...rest.calls];
    }
    return this.chunkOf(parts.value, calls);
  }

  /** The chunk event of what this chunk completed; null when it carries nothing. */
  private chunkOf(parts: ChunkParts, calls: readonly ToolCallDelta[]): JobEvent | null {
    const logprobs = this.wantLogprobs ? (parts.logprobs ?? []) : [];
    const delta: AnswerDelta = {
      text: parts.text,
      ...(parts.reasoning === '' ? {} : { reasoning: parts.reasoning }),
      ...(calls.length > 0 ? { toolCalls: calls } : {}),
      ...(logprobs.length > 0 ? { logprobs } : {}),
    };
    const empty = delta.text === '' && Object.keys(delta).length === 1;
    return empty ? null : { t: 'chunk', ...delta };
  }

  /** The done event; calls still open (a stream with no finish_reason) go out first. */
  private done(): JobEvent {
    const rest = this.calls.finish();
    if (!rest.ok) return failed(rest.problem);
    const done: JobEvent = {
      t: 'done',
      finishReason: this.finish ?? (rest.calls.length > 0 ? 'tool_calls' : 'stop'),
      usage: this.usage,
    };
    if (rest.calls.length === 0) return done;
    this.heldDone = done;
    return { t: 'chunk', text: '', toolCalls: rest.calls };
  }

  private end(event: JobEvent | null): JobEvent | null {
    if (this.heldDone !== null) return event; // the done event still to come ends it
    if (!this.ended) {
      this.ended = true;
      this.onEnd();
    }
    return event;
  }

  private async line(): Promise<string | null> {
    for (;;) {
      const newline = this.buffered.indexOf('\n');
      if (newline >= 0) {
        const line = this.buffered.slice(0, newline).replace(/\r$/, '');
        this.buffered = this.buffered.slice(newline + 1);
        return line;
      }
      const { value, done } = await this.reader.read();
      if (done) return null;
      this.buffered += value;
    }
  }
}

function failed(problem: string): JobEvent {
  return { t: 'error', code: 'upstream_failed', message: problem };
}
