import type { AnswerDelta, FinishReason, TokenUsage } from '@proxima/core/protocol';

/** What a NodeSession streams back to the Worker for one job: NDJSON, one event a line. */
export type JobEvent =
  | ({ readonly t: 'chunk' } & AnswerDelta)
  | { readonly t: 'done'; readonly finishReason: FinishReason; readonly usage: TokenUsage }
  | { readonly t: 'error'; readonly code: string; readonly message: string };

/** Where a streamed answer's events come from: a node's session, or an upstream's SSE (upstream/). */
export interface JobEventSource {
  /** The next event, or null when the stream ended without one (a failure to callers). */
  next(): Promise<JobEvent | null>;
  cancel(): Promise<void>;
}

const encoder = new TextEncoder();

export function encodeJobEvent(event: JobEvent): Uint8Array {
  return encoder.encode(`${JSON.stringify(event)}\n`);
}

/** Reads JobEvents off the NDJSON stream; cancel() reaches the node as a job cancel. */
export class JobEventReader implements JobEventSource {
  private readonly reader: ReadableStreamDefaultReader<string>;
  private buffered = '';

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next event, or null when the stream ended without one (treated as a failure by callers). */
  async next(): Promise<JobEvent | null> {
    for (;;) {
      const newline = this.buffered.indexOf('\n');
      if (newline >= 0) {
        const line = this.buffered.slice(0, newline);
        this.buffered = this.buffered.slice(newline + 1);
        if (line !== '') return JSON.parse(line) as JobEvent;
        continue;
      }
      const { value, done } = await this.reader.read();
      if (done) return null;
      this.buffered += value;
    }
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}
