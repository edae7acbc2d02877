import type { FinishReason, TokenUsage } from '@proxima/core/protocol';
import type { JobEvent, JobEventSource } from '../node-session/job-events.ts';

/** The parts of an upstream's chunk we use; everything else (its id, its model name) is dropped. */
interface WireChunk {
  readonly choices?: ReadonlyArray<{
    readonly delta?: { readonly content?: unknown };
    readonly finish_reason?: unknown;
  }>;
  readonly usage?: {
    readonly prompt_tokens?: unknown;
    readonly completion_tokens?: unknown;
  } | null;
  readonly error?: unknown;
}

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function finishReasonOf(value: unknown): FinishReason {
  return value === 'length' ? 'length' : 'stop';
}

export function usageOf(usage: WireChunk['usage']): TokenUsage {
  return {
    promptTokens: count(usage?.prompt_tokens),
    completionTokens: count(usage?.completion_tokens),
  };
}

/**
 * An upstream's OpenAI SSE stream as the JobEvents the node path yields, so chat.ts writes one
 * stream shape with our id and the client's model name whoever generated it. The upstream's
 * own error text is never forwarded: an `error` payload becomes the `upstream_failed` code.
 */
export class UpstreamSseEvents implements JobEventSource {
  private readonly reader: ReadableStreamDefaultReader<string>;
  private buffered = '';
  private finish: FinishReason | null = null;
  private usage: TokenUsage = { promptTokens: 0, completionTokens: 0 };
  private ended = false;
  private readonly onEnd: () => void;

  constructor(body: ReadableStream<Uint8Array>, onEnd: () => void) {
    this.reader = body.pipeThrough(new TextDecoderStream()).getReader();
    this.onEnd = onEnd;
  }

  async next(): Promise<JobEvent | null> {
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
    this.end(null);
    await this.reader.cancel().catch(() => undefined);
  }

  private parse(data: string): JobEvent | null {
    let chunk: WireChunk;
    try {
      chunk = JSON.parse(data) as WireChunk;
    } catch {
      return { t: 'error', code: 'upstream_failed', message: 'unparseable chunk' };
    }
    if (chunk.error !== undefined) {
      return { t: 'error', code: 'upstream_failed', message: 'the upstream sent an error event' };
    }
    if (chunk.usage) this.usage = usageOf(chunk.usage);
    const choice = chunk.choices?.[0];
    if (typeof choice?.finish_reason === 'string')
      this.finish = finishReasonOf(choice.finish_reason);
    const content = choice?.delta?.content;
    return typeof content === 'string' && content !== '' ? { t: 'chunk', text: content } : null;
  }

  private done(): JobEvent {
    return { t: 'done', finishReason: this.finish ?? 'stop', usage: this.usage };
  }

  private end(event: JobEvent | null): JobEvent | null {
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
