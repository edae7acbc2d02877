import { deltaBeyondText, ProximaError } from '@proxima/core/protocol';
import {
  NO_PROGRESS,
  onStreamFailure,
  recordChunk,
  recordContinuation,
  usageAfterFailover,
  type StreamProgress,
} from '@proxima/core/routing';
import type { JobEvent, JobEventSource } from '../node-session/job-events.ts';
import type { Routed } from './dispatch.ts';
import type { StreamFailoverConfig } from './failover-config.ts';

/** Routes the rest of a cut stream: `progress` says what the client has; `tried` grows. */
export type ResumeStream = (
  progress: StreamProgress,
  tried: Set<string>,
) => Promise<Routed<JobEventSource>>;

export interface FailoverStreamOptions extends StreamFailoverConfig {
  /** The request's max_tokens: a cut after that many chunks ends as 'length'. */
  readonly maxTokens: number | null;
  /** The edge's prompt estimate, for usage when no attempt finished. */
  readonly promptEstimate: number;
  /** Router feedback: an attempt's first event arrived (time to first token). */
  readonly reportStart: (routed: Routed<JobEventSource>) => void;
  /** Router feedback: an attempt failed, before (started false) or after its first event. */
  readonly reportFailure: (
    routed: Routed<JobEventSource>,
    code: string | null,
    started: boolean,
  ) => void;
}

const STALLED = 'node_stalled';

/**
 * One continuous stream of events for the client, across backends: when the current backend
 * fails (an error event, a stream that stops or throws, as when its session is reset, or no
 * chunk within the stall timeout), core's onStreamFailure decides, and the stream resumes on
 * another backend with the text so far as the assistant prefix, ends as 'length', or ends with
 * the failure's error event. Never a silent truncation, never a repeated token: the next backend
 * starts after the last chunk the client got.
 */
export class FailoverStream implements JobEventSource {
  private current: Routed<JobEventSource>;
  private progress: StreamProgress = NO_PROGRESS;
  private readonly tried: Set<string>;
  private cancelled = false;
  /** Whether the current attempt's first event arrived (and was reported). */
  private started = false;
  private readonly resume: ResumeStream;
  private readonly options: FailoverStreamOptions;

  constructor(first: Routed<JobEventSource>, resume: ResumeStream, options: FailoverStreamOptions) {
    this.current = first;
    this.tried = new Set([first.routerId]);
    this.resume = resume;
    this.options = options;
  }

  /** The backend that is (or was last) generating. */
  get backend(): string {
    return this.current.backend;
  }

  /** The router's id of that backend. */
  get routerId(): string {
    return this.current.routerId;
  }

  /** Every chunk's text the client got so far. */
  get text(): string {
    return this.progress.text;
  }

  /** Whether every chunk so far was text alone (so the text is the whole answer). */
  get textOnly(): boolean {
    return this.progress.textOnly;
  }

  async next(): Promise<JobEvent | null> {
    for (;;) {
      const event = await this.read();
      if (this.cancelled) return { t: 'error', code: 'client_closed', message: 'cancelled' };
      if (event !== null && event.t !== 'error' && !this.started) {
        this.started = true;
        this.options.reportStart(this.current);
      }
      if (event?.t === 'chunk') {
        this.progress = recordChunk(this.progress, event.text, deltaBeyondText(event));
        return event;
      }
      if (event?.t === 'done') {
        const usage = usageAfterFailover(this.progress, event.usage, this.options.promptEstimate);
        return { ...event, usage };
      }
      const code = event?.code ?? null;
      const failed = this.current;
      this.options.reportFailure(failed, code, this.started);
      await failed.value.cancel();
      const decision = onStreamFailure(this.progress, code, this.options.maxTokens, this.options);
      this.log('stream.cut', { backend: failed.backend, code, decision: decision.kind });
      if (decision.kind === 'finish_length') {
        const usage = usageAfterFailover(this.progress, null, this.options.promptEstimate);
        return { t: 'done', finishReason: 'length', usage };
      }
      if (decision.kind === 'end') return failure(code, event);
      try {
        this.current = await this.resume(this.progress, this.tried);
      } catch (err) {
        // No backend can carry it on: the client hears the original failure, explicitly.
        this.log('stream.not_resumed', {
          reason: err instanceof ProximaError ? err.code : String(err),
        });
        return failure(code, event);
      }
      this.tried.add(this.current.routerId);
      this.started = false;
      this.progress = recordContinuation(this.progress);
      this.log('stream.resumed', { backend: this.current.backend });
      if (this.cancelled) await this.current.value.cancel();
    }
  }

  async cancel(): Promise<void> {
    this.cancelled = true;
    await this.current.value.cancel();
  }

  /** The next event, or a stall error when none comes in time after the first chunk; null when the source broke. */
  private async read(): Promise<JobEvent | null> {
    const source = this.current.value;
    const pending = source.next().catch((err: unknown) => {
      this.log('stream.source_failed', { error: String(err).slice(0, 200) });
      return null;
    });
    // Before the first chunk the node may be evaluating a long prompt: its session's idle and
    // heartbeat deadlines cover that wait.
    if (this.progress.chunks === 0) return pending;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stall = new Promise<JobEvent>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            t: 'error',
            code: STALLED,
            message: `no chunk for ${this.options.stallMs} ms`,
          }),
        this.options.stallMs,
      );
    });
    try {
      return await Promise.race([pending, stall]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  private log(event: string, fields: Record<string, unknown>): void {
    const { chunks, continuations } = this.progress;
    console.warn(JSON.stringify({ event, chunks, continuations, ...fields }));
  }
}

function failure(code: string | null, event: JobEvent | null): JobEvent {
  return event?.t === 'error'
    ? event
    : { t: 'error', code: code ?? 'node_failed', message: 'the stream ended early' };
}
