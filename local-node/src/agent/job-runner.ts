import {
  embeddingResultFrame,
  JobFrames,
  nodeInvalidRequestMessage,
  type EmbedJobRequest,
  type JobRequest,
  type NodeToEdge,
} from '@proxima/core/protocol';
import { ContextOverflowError, InvalidRequestError, type Engine } from '../engine/engine.ts';
import { generateRequestOf } from '../engine/generate-request-of.ts';
import { noMetrics, type JobOutcome, type NodeMetricsSink } from '../metrics/sink.ts';
import type { Logger } from './log.ts';

const NO_USAGE = { promptTokens: 0, completionTokens: 0 } as const;

/** Where a job's frames go: the socket that delivered the job. Returns false once that socket is gone. */
export type Sink = (message: NodeToEdge) => boolean;

/** A generation (chunks, then done) or an embedding job (one `embedding` frame). */
type Work =
  | { readonly kind: 'generate'; readonly request: JobRequest }
  | { readonly kind: 'embed'; readonly request: EmbedJobRequest };

interface Queued {
  readonly jobId: string;
  readonly work: Work;
  readonly sink: Sink;
  /** performance.now() when the job arrived: its duration counts its wait for a slot. */
  readonly arrivedAt: number;
}

/** A running job: how to stop it, and its flow-control gate (closed while the edge paused it). */
interface Running {
  readonly controller: AbortController;
  /** Resolves when the edge resumes the job; null while it is not paused. */
  gate: Promise<void> | null;
  open: () => void;
}

/**
 * Runs jobs on the engine, at most `slots` at once; the rest wait in order. Each job streams its
 * text as numbered chunks and ends with exactly one `done` or `error` frame; an embedding job
 * shares the slots and ends with one `embedding` or `error` frame.
 */
export class JobRunner {
  private readonly running = new Map<string, Running>();
  private readonly queue: Queued[] = [];
  private readonly engine: Engine;
  private readonly limit: () => number;
  private readonly log: Logger;
  private readonly metrics: NodeMetricsSink;
  private idleWaiters: Array<() => void> = [];

  /** `slots`: a fixed count, or a function when it changes (read at each start and recheck). */
  constructor(
    engine: Engine,
    slots: number | (() => number),
    log: Logger,
    metrics: NodeMetricsSink = noMetrics,
  ) {
    this.engine = engine;
    this.limit = typeof slots === 'number' ? () => slots : slots;
    this.log = log;
    this.metrics = metrics;
  }

  /** How many jobs may run at once now. */
  get slots(): number {
    return this.limit();
  }

  /** Starts waiting jobs if the slot count grew. */
  recheck(): void {
    this.pump();
  }

  get inFlight(): number {
    return this.running.size;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Whether a job with this id runs or waits here. */
  has(jobId: string): boolean {
    return this.running.has(jobId) || this.queue.some((q) => q.jobId === jobId);
  }

  /** Queues a job the node admitted (core's admitJob decides which: see agent.ts). */
  submit(jobId: string, request: JobRequest, sink: Sink): void {
    this.queue.push({
      jobId,
      work: { kind: 'generate', request },
      sink,
      arrivedAt: performance.now(),
    });
    this.pump();
  }

  /** Queues an embedding job the node admitted (core's admitEmbedJob). */
  submitEmbed(jobId: string, request: EmbedJobRequest, sink: Sink): void {
    this.queue.push({
      jobId,
      work: { kind: 'embed', request },
      sink,
      arrivedAt: performance.now(),
    });
    this.pump();
  }

  cancel(jobId: string, reason: string): void {
    const index = this.queue.findIndex((q) => q.jobId === jobId);
    if (index >= 0) {
      const [q] = this.queue.splice(index, 1);
      if (q) this.finished(q, 'cancelled');
      this.log('info', 'job.cancelled', { jobId, reason, queued: true });
      this.notifyIdle();
      return;
    }
    const job = this.running.get(jobId);
    if (!job) return;
    this.log('info', 'job.cancelled', { jobId, reason });
    job.controller.abort(new Error(reason));
    job.open();
  }

  /** The edge's reader fell behind: hold this job's output (here, not at the edge) until resume. */
  pause(jobId: string): void {
    const job = this.running.get(jobId);
    if (!job || job.gate) return;
    job.gate = new Promise((resolve) => {
      job.open = () => {
        job.gate = null;
        job.open = () => undefined;
        resolve();
      };
    });
  }

  resume(jobId: string): void {
    this.running.get(jobId)?.open();
  }

  /** The connection that owned these jobs is gone: the edge has failed them already. */
  abortAll(reason: string): void {
    for (const q of this.queue.splice(0)) {
      this.finished(q, 'cancelled');
      this.log('info', 'job.cancelled', { jobId: q.jobId, reason, queued: true });
    }
    for (const [jobId, job] of this.running) {
      this.log('info', 'job.cancelled', { jobId, reason });
      job.controller.abort(new Error(reason));
      job.open();
    }
    this.notifyIdle();
  }

  /** Resolves when nothing runs or waits. */
  idle(): Promise<void> {
    if (this.running.size === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running.size < this.limit()) {
      const next = this.queue.shift();
      if (!next) return;
      const controller = new AbortController();
      const job: Running = { controller, gate: null, open: () => undefined };
      this.running.set(next.jobId, job);
      void this.run(next, job).finally(() => {
        this.running.delete(next.jobId);
        this.pump();
        this.notifyIdle();
      });
    }
  }

  private async run(queued: Queued, job: Running): Promise<void> {
    const { jobId, work, sink } = queued;
    const signal = job.controller.signal;
    const started = performance.now();
    const frames = new JobFrames(jobId);
    /** Sends a frame; false once the socket that delivered the job is gone. */
    const send = (frame: NodeToEdge | null) => frame === null || sink(frame);
    this.log('info', 'job.started', {
      jobId,
      model: work.request.model,
      ...(work.kind === 'embed' ? { kind: 'embed', inputs: work.request.inputs.length } : {}),
    });
    try {
      if (work.kind === 'embed') {
        const frame = await this.embed(jobId, work.request, signal);
        signal.throwIfAborted();
        send(frame);
        if (frame.type === 'error') {
          this.finished(queued, 'error');
          this.log('error', 'job.failed', { jobId, code: frame.code, message: frame.message });
          return;
        }
        const promptTokens = frame.type === 'embedding' ? frame.promptTokens : 0;
        this.finished(queued, 'ok', { promptTokens, completionTokens: 0 });
        this.log('info', 'job.done', {
          jobId,
          kind: 'embed',
          ms: Math.round(performance.now() - started),
        });
        return;
      }
      const request = work.request;
      const events = this.engine.generate(generateRequestOf(request), signal);
      for await (const event of events) {
        if (event.type === 'delta') {
          if (job.gate) await job.gate;
          signal.throwIfAborted();
          if (!send(frames.chunk(event))) throw new Error('connection lost');
          continue;
        }
        if (job.gate) await job.gate;
        signal.throwIfAborted();
        send(frames.done(event.finishReason, event.usage));
        this.finished(queued, 'ok', event.usage);
        this.log('info', 'job.done', {
          jobId,
          finishReason: event.finishReason,
          completionTokens: event.usage.completionTokens,
          ms: Math.round(performance.now() - started),
        });
        return;
      }
      throw new Error('the engine ended without a done event');
    } catch (err) {
      if (signal.aborted) {
        this.finished(queued, 'cancelled');
        return; // cancelled: the edge is no longer listening for this job
      }
      const message = err instanceof Error ? err.message : String(err);
      const code =
        err instanceof ContextOverflowError
          ? 'context_length_exceeded'
          : err instanceof InvalidRequestError
            ? 'invalid_request'
            : 'engine_failed';
      this.log(code === 'engine_failed' ? 'error' : 'info', 'job.failed', { jobId, code, message });
      // A refused parameter is named in a form the edge reads back (and only the name).
      const sent =
        err instanceof InvalidRequestError
          ? nodeInvalidRequestMessage(err.param, message)
          : message;
      send(frames.error(code, sent));
      this.finished(queued, 'error');
    }
  }

  /** Tells the metrics how a job ended; its tokens when it was answered. */
  private finished(
    { work, arrivedAt }: Queued,
    outcome: JobOutcome,
    usage: { readonly promptTokens: number; readonly completionTokens: number } = NO_USAGE,
  ): void {
    this.metrics.jobFinished({
      model: work.request.model,
      kind: work.kind,
      outcome,
      seconds: (performance.now() - arrivedAt) / 1000,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
    });
  }

  /** The job's `embedding` frame, or its error frame when the engine's vectors do not answer it. */
  private async embed(
    jobId: string,
    request: EmbedJobRequest,
    signal: AbortSignal,
  ): Promise<NodeToEdge> {
    if (this.engine.embed === undefined)
      throw new InvalidRequestError(`this node does not make embeddings`, 'model');
    const result = await this.engine.embed(
      {
        model: request.model,
        inputs: request.inputs,
        ...(request.dimensions === undefined ? {} : { dimensions: request.dimensions }),
      },
      signal,
    );
    return embeddingResultFrame(jobId, request, result);
  }

  private notifyIdle(): void {
    if (this.running.size > 0 || this.queue.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
