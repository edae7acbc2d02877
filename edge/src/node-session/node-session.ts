import { DurableObject } from 'cloudflare:workers';
import {
  certainlyExceedsContext,
  CLOSE,
  closeReason,
  encode,
  continuationRequest,
  decodeEmbeddingResult,
  embedJobFrameBytes,
  FRAME_MAX_BYTES,
  jobFrameFits,
  jobIdOfRejectedResult,
  modelKindOf,
  NODE_PROTOCOL_VERSION,
  nodeSupports,
  beforeHelloVerdict,
  FLOW_HIGH_WATER_BYTES,
  flowVerdict,
  helloVerdict,
  jobDue,
  parseNodeToEdge,
  promptBytes,
  promptBytesBound,
  sequenceVerdict,
  socketDue,
  stalledAfterMs,
  socketRefusal,
  AnswerBuilder,
  type Answer,
  type AnswerDelta,
  type EdgeSocketView,
  type EdgeToNode,
  type EmbedJobRequest,
  type EmbeddingFrame,
  type EmittedSoFar,
  type FinishReason,
  type Hello,
  type JobRequest,
  type NodeToEdge,
  type SessionTiming,
  type TokenUsage,
} from '@proxima/core/protocol';
import { classifyFailure } from '@proxima/core/routing';
import { heartbeatIntervalMs, intVar, presenceStub, type Env } from '../env.ts';
import { recordServed } from '../presence/catalogue.ts';
import { SocketStates, type SocketState } from './attachment.ts';
import { encodeJobEvent, type JobEvent } from './job-events.ts';

/** Storage key of an operator's drain (the dashboard's Drain / Re-admit). */
const OPERATOR_DRAIN_KEY = 'operatorDrain';
/** Where a job's output goes: a stream to the Worker, or a promise of the whole answer. */
interface JobSink {
  chunk(delta: AnswerDelta): void;
  end(event: Exclude<JobEvent, { t: 'chunk' }>): void;
}

interface Job {
  readonly ws: WebSocket;
  readonly sink: JobSink;
  /** An embedding job: what its one `embedding` frame must answer, and where its vectors go. */
  readonly embed: {
    readonly request: EmbedJobRequest;
    deliver(vectors: Float32Array[], promptTokens: number): void;
  } | null;
  nextSeq: number;
  /** When the node last sent anything for this job (or when it was dispatched, or resumed). */
  lastActivity: number;
  /** Held by flow control: quiet on purpose, so no idle deadline runs. */
  paused: boolean;
  /** For the sentinel's baselines: when it was handed over, its first chunk, chunks so far. */
  readonly startedAt: number;
  firstChunkAt: number | null;
  chunks: number;
}

export type Unavailable =
  | {
      readonly ok: false;
      readonly reason:
        'not_connected' | 'draining' | 'suspect' | 'model_not_served' | 'cannot_continue';
    }
  | {
      readonly ok: false;
      readonly reason: 'context_exceeded';
      readonly contextSize: number;
      /** The prompt's UTF-8 size, and the most that could fit this node's context. */
      readonly promptBytes: number;
      readonly maxPromptBytes: number;
    };

export type JobDispatch =
  | { readonly ok: true; readonly jobId: string; readonly events: ReadableStream<Uint8Array> }
  | Unavailable;

/** A whole answer: collected here so a non-streamed request costs one RPC and no stream. */
export type JobCompletion =
  | {
      readonly ok: true;
      readonly outcome:
        | {
            readonly t: 'done';
            readonly answer: Answer;
            readonly finishReason: FinishReason;
            readonly usage: TokenUsage;
          }
        | { readonly t: 'error'; readonly code: string; readonly message: string };
    }
  | Unavailable;

/** An embedding job's end: its vectors, one per input in order, or the node's error. */
export type EmbedCompletion =
  | {
      readonly ok: true;
      readonly outcome:
        | {
            readonly t: 'embedding';
            readonly vectors: Float32Array[];
            readonly promptTokens: number;
          }
        | { readonly t: 'error'; readonly code: string; readonly message: string };
    }
  | Unavailable;

/**
 * One per node: holds that node's WebSocket (hibernation API), relays jobs to it and streams the
 * node's chunks back in sequence. Connect, drain, disconnect and each heartbeat's load go to
 * Presence (liveness, not replicated); the models a node served go to the replicated catalogue.
 * Jobs live in memory: an object with a job in flight has an open request and stays up.
 */
export class NodeSession extends DurableObject<Env> {
  private readonly jobs = new Map<string, Job>();
  private readonly states = new SocketStates();
  /** Heartbeat, hello and idle deadlines; the rules that use them are core's (edge-socket.ts). */
  private readonly timing: SessionTiming;
  /** When the alarm is set for: null for none, undefined until read after a wake-up. */
  private alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.timing = {
      heartbeatMs: heartbeatIntervalMs(env),
      helloTimeoutMs: intVar(env.HELLO_TIMEOUT_MS, 10_000, 100, 600_000),
      jobIdleMs: intVar(env.JOB_IDLE_TIMEOUT_MS, 120_000, 100, 3_600_000),
    };
  }

  /** The Worker forwards the node's authenticated upgrade request here. */
  override async fetch(request: Request): Promise<Response> {
    const nodeId = request.headers.get('x-proxima-node-id');
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket' || !nodeId) {
      return new Response('expected a WebSocket upgrade with a node id', { status: 426 });
    }
    // Touch storage first: a Durable Object is only guaranteed unique once it has.
    const session = ((await this.ctx.storage.get<number>('session')) ?? 0) + 1;
    await this.ctx.storage.put('session', session);

    for (const old of this.ctx.getWebSockets()) {
      this.failJobsOf(old, 'node_replaced', 'the node reconnected; this stream was cut');
      old.close(CLOSE.replaced, 'replaced by a newer connection');
    }
    const pair = new WebSocketPair();
    const now = Date.now();
    this.ctx.acceptWebSocket(pair[1]);
    this.states.write(pair[1], {
      nodeId,
      session,
      connectedAt: now,
      lastSeen: now,
      hello: null,
      draining: false,
    });
    await this.scheduleAlarm(now + this.timing.helloTimeoutMs);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /**
   * Sends a job to the node; the returned stream carries NDJSON JobEvents. With `emitted`, the
   * job continues a stream another backend cut: this node carries on after that text (the
   * 'continue' feature), and refuses when it cannot.
   */
  async dispatch(original: JobRequest, emitted?: EmittedSoFar): Promise<JobDispatch> {
    const target = this.target(original, emitted);
    if (!target.ok) return target;
    const request = target.request;
    const jobId = crypto.randomUUID();
    const flow = nodeSupports(target.hello, 'flow');
    const events = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.start(jobId, target.ws, request, {
            chunk: (delta) => {
              controller.enqueue(encodeJobEvent({ t: 'chunk', ...delta }));
              if (flow) this.applyFlow(jobId, controller.desiredSize);
            },
            end: (event) => {
              controller.enqueue(encodeJobEvent(event));
              controller.close();
            },
          });
        },
        // Called as the reader takes output: resume a paused node once half the buffer is free.
        pull: (controller) => {
          if (flow) this.applyFlow(jobId, controller.desiredSize);
        },
        // The reader is gone, so only the node needs telling.
        cancel: () => this.cancel(jobId, 'client went away', false),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: FLOW_HIGH_WATER_BYTES }),
    );
    await this.scheduleAlarm(Date.now() + this.timing.jobIdleMs);
    return { ok: true, jobId, events };
  }

  /** Runs a job to its end and returns the whole answer. `jobId` comes from the caller so it can cancel. */
  async complete(jobId: string, request: JobRequest): Promise<JobCompletion> {
    const target = this.target(request);
    if (!target.ok) return target;
    if (this.jobs.has(jobId)) throw new Error(`job ${jobId} already exists`);
    const answer = new AnswerBuilder(request.logprobs !== undefined);
    const outcome = new Promise<Extract<JobCompletion, { ok: true }>['outcome']>((resolve) => {
      this.start(jobId, target.ws, request, {
        chunk: (delta) => answer.add(delta),
        end: (event) => resolve(event.t === 'done' ? { ...event, answer: answer.answer } : event),
      });
    });
    await this.scheduleAlarm(Date.now() + this.timing.jobIdleMs);
    return { ok: true, outcome: await outcome };
  }

  /**
   * Runs an embedding job (one of core's embedJobBatches) on a node that announced 'embed' and
   * serves the model as kind 'embed'. `jobId` comes from the caller so it can cancel.
   */
  async embed(jobId: string, request: EmbedJobRequest): Promise<EmbedCompletion> {
    const socket = this.helloSocket();
    if (!socket.ok) return socket;
    const model = socket.hello.models.find((m) => m.id === request.model);
    if (model?.kind !== 'embed' || !nodeSupports(socket.hello, 'embed'))
      return { ok: false, reason: 'model_not_served' };
    if (this.jobs.has(jobId)) throw new Error(`job ${jobId} already exists`);
    const outcome = new Promise<Extract<EmbedCompletion, { ok: true }>['outcome']>((resolve) => {
      const sink: JobSink = {
        chunk: () => undefined, // never called: text for an embedding job fails it (onChunk)
        end: (event) =>
          resolve(
            event.t === 'error'
              ? event
              : { t: 'error', code: 'node_failed', message: 'the job ended without vectors' },
          ),
      };
      // The Worker's batches fit (embedJobBatches); this keeps the node safe from any caller.
      if (embedJobFrameBytes(request) > FRAME_MAX_BYTES) {
        sink.end({ t: 'error', code: 'invalid_job', message: 'the job frame is too large' });
        return;
      }
      const deliver = (vectors: Float32Array[], promptTokens: number) =>
        resolve({ t: 'embedding', vectors, promptTokens });
      this.track(jobId, socket.ws, sink, { request, deliver });
      this.send(socket.ws, { type: 'embed', jobId, request });
    });
    await this.scheduleAlarm(Date.now() + this.timing.jobIdleMs);
    return { ok: true, outcome: await outcome };
  }

  /** Pauses or resumes a job's node as its reader falls behind or catches up (core's flowVerdict). */
  private applyFlow(jobId: string, desiredSize: number | null): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    const verdict = flowVerdict(job.paused, desiredSize);
    if (verdict === 'none') return;
    job.paused = verdict === 'pause';
    job.lastActivity = Date.now();
    this.send(job.ws, { type: verdict, jobId });
  }

  /** Stops a job: the node is told, and the job's sink (if anyone still listens) ends with an error. */
  cancel(jobId: string, reason: string, endSink = true): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    this.jobs.delete(jobId);
    this.send(job.ws, { type: 'cancel', jobId, reason });
    if (endSink) job.sink.end({ t: 'error', code: 'cancelled', message: reason });
  }

  /** The socket a job goes to, and the job as this node must get it. */
  private target(
    request: JobRequest,
    emitted?: EmittedSoFar,
  ): { ok: true; ws: WebSocket; hello: Hello; request: JobRequest } | Unavailable {
    const socket = this.helloSocket();
    if (!socket.ok) return socket;
    const { ws, hello } = socket;
    const model = hello.models.find((m) => m.id === request.model);
    // An embedding or OCR model takes no text jobs (routing keeps them apart; this is the guard).
    if (!model || modelKindOf(model) !== 'generate')
      return { ok: false, reason: 'model_not_served' };
    const bytes = promptBytes(request);
    if (certainlyExceedsContext(bytes, model)) {
      return {
        ok: false,
        reason: 'context_exceeded',
        contextSize: model.contextSize,
        promptBytes: bytes,
        maxPromptBytes: promptBytesBound(model),
      };
    }
    if (!emitted || emitted.text === '') return { ok: true, ws, hello, request };
    if (!nodeSupports(hello, 'continue')) return { ok: false, reason: 'cannot_continue' };
    const continuation = continuationRequest(request, emitted, model);
    if (!continuation.ok) return { ok: false, reason: 'cannot_continue' };
    return { ok: true, ws, hello, request: continuation.request };
  }

  /** The node's socket once it said hello, unless it may take no job now. */
  private helloSocket(): { ok: true; ws: WebSocket; hello: Hello } | Unavailable {
    const ws = this.ctx.getWebSockets().find((s) => this.states.read(s)?.hello);
    const state = ws ? this.states.read(ws) : null;
    const refusal = socketRefusal(state && viewOf(state), Date.now(), this.timing);
    if (refusal) return { ok: false, reason: refusal };
    if (!ws || !state?.hello) return { ok: false, reason: 'not_connected' };
    return { ok: true, ws, hello: state.hello };
  }

  private start(jobId: string, ws: WebSocket, request: JobRequest, sink: JobSink): void {
    // The Worker refuses such requests with 413 first; this keeps the node safe from any caller.
    if (!jobFrameFits(request)) {
      sink.end({ t: 'error', code: 'invalid_job', message: 'the job frame is too large' });
      return;
    }
    this.track(jobId, ws, sink, null);
    this.send(ws, { type: 'job', jobId, request });
  }

  private track(jobId: string, ws: WebSocket, sink: JobSink, embed: Job['embed']): void {
    const now = Date.now();
    this.jobs.set(jobId, {
      ws,
      sink,
      embed,
      nextSeq: 0,
      lastActivity: now,
      paused: false,
      startedAt: now,
      firstChunkAt: null,
      chunks: 0,
    });
  }

  /**
   * An operator drains the node (no new jobs; running ones finish) or re-admits it. Kept in
   * storage, so a drained node that reconnects stays drained until re-admitted.
   */
  async setOperatorDrain(draining: boolean): Promise<{ readonly connected: boolean }> {
    await this.ctx.storage.put(OPERATOR_DRAIN_KEY, draining);
    let connected = false;
    for (const ws of this.ctx.getWebSockets()) {
      const state = this.states.read(ws);
      if (!state || state.hello === null) continue;
      connected = true;
      state.draining = draining;
      this.states.write(ws, state);
      await presenceStub(this.env).nodeDraining(state.nodeId, state.session, Date.now(), draining);
    }
    return { connected };
  }

  /** Closes the node's socket because its token was revoked; true when one was open. */
  async evict(reason: string): Promise<boolean> {
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) await this.closeWith(ws, CLOSE.unauthorized, reason);
    return sockets.length > 0;
  }

  override async webSocketMessage(ws: WebSocket, frame: string | ArrayBuffer): Promise<void> {
    const state = this.states.read(ws);
    if (!state) return ws.close(CLOSE.malformed, 'unknown socket');
    const parsed = parseNodeToEdge(frame);
    if (!parsed.ok) {
      // A malformed embedding result fails its job only; the node and its other jobs go on.
      const resultOf = jobIdOfRejectedResult(frame);
      if (resultOf === null) return this.closeWith(ws, parsed.code, parsed.reason);
      return this.failJob(
        resultOf,
        'engine_failed',
        `malformed embedding result: ${parsed.reason}`,
      );
    }
    state.lastSeen = Date.now();
    if (state.stalled) {
      state.stalled = false;
      this.states.write(ws, state);
    }
    const message = parsed.message;
    if (!state.hello) {
      const verdict = beforeHelloVerdict(message.type);
      if (!verdict.ok) return this.closeWith(ws, verdict.code, verdict.reason);
    }
    try {
      await this.handle(ws, state, message);
    } catch (err) {
      // Never let one bad exchange take the object down; the node reconnects.
      console.error('node session error', err);
      await this.closeWith(ws, CLOSE.goingAway, 'edge error while relaying');
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      // Complete the closing handshake, or the node waits for our close frame.
      ws.close(code === 1005 || code === 1006 ? 1000 : code, 'bye');
    } catch {
      // already closed
    }
    await this.disconnected(ws, `node disconnected (${code}${reason ? ` ${reason}` : ''})`);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.disconnected(ws, 'node connection failed');
  }

  /** Multiplexes the hello deadline, heartbeat liveness and job idle timeouts on the one alarm an object has. */
  override async alarm(): Promise<void> {
    this.alarmAt = null; // this one has fired
    const now = Date.now();
    let next = Infinity;
    for (const ws of this.ctx.getWebSockets()) {
      const state = this.states.read(ws);
      if (!state) continue;
      const { due, nextAt } = socketDue(viewOf(state), now, this.timing);
      if (nextAt !== null) next = Math.min(next, nextAt);
      if (due.kind === 'hello_timeout') ws.close(CLOSE.helloTimeout, 'no hello in time');
      else if (due.kind === 'heartbeats_stopped')
        await this.closeWith(ws, CLOSE.goingAway, 'heartbeats stopped');
      else if (due.kind === 'stalled') this.markStalled(ws, state, due.silentMs);
    }
    for (const [jobId, job] of this.jobs) {
      if (job.paused) continue; // its reader is behind, not its node
      const { idle, nextAt } = jobDue(job.lastActivity, now, this.timing);
      if (!idle) {
        next = Math.min(next, nextAt);
        continue;
      }
      const seconds = Math.round(this.timing.jobIdleMs / 1000);
      this.finish(jobId, {
        t: 'error',
        code: 'upstream_timeout',
        message: `the node sent nothing for ${seconds} s`,
      });
      this.send(job.ws, { type: 'cancel', jobId, reason: 'idle timeout' });
    }
    if (next !== Infinity) await this.scheduleAlarm(next);
  }

  /**
   * The node went silent (stopped, hung, or cut off without a close): it takes nothing new, and
   * its jobs end now as 'node_stalled' so their streams continue elsewhere, long before the
   * socket is given up. Its next frame lifts it.
   */
  private markStalled(ws: WebSocket, state: SocketState, silentMs: number): void {
    state.stalled = true;
    this.states.write(ws, state);
    for (const [jobId, job] of this.jobs) {
      if (job.ws !== ws) continue;
      this.finish(jobId, {
        t: 'error',
        code: 'node_stalled',
        message: `the node sent nothing for ${silentMs} ms`,
      });
      this.send(ws, { type: 'cancel', jobId, reason: 'node stalled' });
    }
    console.warn(JSON.stringify({ event: 'node.stalled', nodeId: state.nodeId, silentMs }));
  }

  private async handle(ws: WebSocket, state: SocketState, message: NodeToEdge): Promise<void> {
    switch (message.type) {
      case 'hello':
        return this.onHello(ws, state, message);
      case 'heartbeat':
        this.states.write(ws, state);
        // Load and liveness for routing; presence judges a late heartbeat (the sentinel's rule).
        await presenceStub(this.env).nodeHeartbeat(
          state.nodeId,
          state.session,
          {
            inFlight: message.inFlight,
            queued: message.queued,
            vramFreeBytes: message.vramFreeBytes,
            ...(message.slots === undefined ? {} : { slots: message.slots }),
          },
          Date.now(),
        );
        return;
      case 'drain':
        state.draining = true;
        this.states.write(ws, state);
        await presenceStub(this.env).nodeDraining(state.nodeId, state.session, Date.now());
        return;
      case 'chunk':
        return this.onChunk(message.jobId, message.seq, {
          t: 'chunk',
          text: message.text,
          ...(message.reasoning === undefined ? {} : { reasoning: message.reasoning }),
          ...(message.toolCalls === undefined ? {} : { toolCalls: message.toolCalls }),
          ...(message.logprobs === undefined ? {} : { logprobs: message.logprobs }),
        });
      case 'done':
        return this.onChunk(message.jobId, message.seq, {
          t: 'done',
          finishReason: message.finishReason,
          usage: message.usage,
        });
      case 'error':
        return this.finish(message.jobId, {
          t: 'error',
          code: message.code,
          message: message.message,
        });
      case 'embedding':
        return this.onEmbedding(message);
    }
  }

  /** An embedding job's result: its vectors when they answer the job, else that job fails. */
  private onEmbedding(message: EmbeddingFrame): void {
    const job = this.jobs.get(message.jobId);
    if (!job) return; // cancelled or already finished
    if (!job.embed) return this.failJob(message.jobId, 'node_failed', 'vectors for a text job');
    const result = decodeEmbeddingResult(message, job.embed.request);
    if (!result.ok)
      return this.failJob(message.jobId, 'engine_failed', `bad embedding result: ${result.reason}`);
    this.jobs.delete(message.jobId);
    job.embed.deliver(result.vectors, result.promptTokens);
    // The sentinel sees a finished job without tokens: only its error rate counts.
    const usage = { promptTokens: result.promptTokens, completionTokens: 0 };
    this.observe(job, { t: 'done', finishReason: 'stop', usage });
  }

  /** A job the node answered wrongly: it fails (and is cancelled on the node), the socket lives on. */
  private failJob(jobId: string, code: string, message: string): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    this.finish(jobId, { t: 'error', code, message });
    this.send(job.ws, { type: 'cancel', jobId, reason: message.slice(0, 256) });
  }

  private async onHello(ws: WebSocket, state: SocketState, hello: Hello): Promise<void> {
    const verdict = helloVerdict(viewOf(state), state.nodeId, hello);
    if (!verdict.ok) return this.closeWith(ws, verdict.code, verdict.reason);
    state.hello = hello;
    this.states.write(ws, state);
    const now = Date.now();
    const models = hello.models.map((m) => m.id);
    const kinds = hello.models.flatMap((m) =>
      m.kind === undefined || m.kind === 'generate' ? [] : [[m.id, m.kind] as const],
    );
    await presenceStub(this.env).nodeConnected(
      {
        nodeId: hello.nodeId,
        session: state.session,
        models,
        engine: hello.engine,
        gpu: hello.gpu,
        slots: hello.slots,
        features: hello.features ?? [],
        capabilities: Object.fromEntries(hello.models.map((m) => [m.id, m.capabilities ?? []])),
        contextSizes: Object.fromEntries(hello.models.map((m) => [m.id, m.contextSize])),
        kinds: Object.fromEntries(kinds),
      },
      now,
    );
    if ((await this.ctx.storage.get<boolean>(OPERATOR_DRAIN_KEY)) === true) {
      state.draining = true;
      this.states.write(ws, state);
      await presenceStub(this.env).nodeDraining(hello.nodeId, state.session, now, true);
    }
    // The catalogue is replicated; the welcome does not wait for consensus.
    this.ctx.waitUntil(recordServed(this.env, hello.nodeId, models, now));
    this.send(ws, {
      type: 'welcome',
      protocol: NODE_PROTOCOL_VERSION,
      heartbeatMs: this.timing.heartbeatMs,
    });
    await this.scheduleAlarm(Date.now() + stalledAfterMs(this.timing));
  }

  /** Chunks must arrive in order; a duplicate is dropped, a gap fails the job (never silent loss). */
  private onChunk(jobId: string, seq: number, event: Exclude<JobEvent, { t: 'error' }>): void {
    const job = this.jobs.get(jobId);
    if (!job) return; // cancelled or already finished: trailing frames are expected
    if (job.embed) return this.failJob(jobId, 'node_failed', 'text for an embedding job');
    const verdict = sequenceVerdict(job.nextSeq, seq);
    if (verdict === 'repeat') return;
    if (verdict === 'gap') {
      this.finish(jobId, {
        t: 'error',
        code: 'node_failed',
        message: `chunk ${job.nextSeq} was lost`,
      });
      this.send(job.ws, { type: 'cancel', jobId, reason: 'sequence gap' });
      return;
    }
    job.nextSeq++;
    job.lastActivity = Date.now();
    if (event.t === 'done') return this.finish(jobId, event);
    job.firstChunkAt ??= job.lastActivity;
    job.chunks++;
    job.sink.chunk(event);
  }

  private finish(jobId: string, event: Exclude<JobEvent, { t: 'chunk' }>): void {
    const job = this.jobs.get(jobId);
    if (!job) return;
    this.jobs.delete(jobId);
    job.sink.end(event);
    this.observe(job, event);
  }

  /**
   * Every job that ended (not one the client cancelled) feeds the sentinel's per-node baselines:
   * time to first token, tokens, duration, and whether it failed by the node's fault.
   */
  private observe(job: Job, event: Exclude<JobEvent, { t: 'chunk' }>): void {
    const state = this.states.read(job.ws);
    if (!state?.hello) return;
    const now = Date.now();
    const failed =
      event.t === 'error' &&
      classifyFailure({ kind: 'job_error', code: event.code, outputSent: false })
        .countsAgainstBreaker;
    const observation = {
      ttftMs: job.firstChunkAt === null ? null : job.firstChunkAt - job.startedAt,
      tokens: event.t === 'done' ? event.usage.completionTokens : job.chunks,
      durationMs: now - job.startedAt,
      failed,
    };
    this.ctx.waitUntil(
      presenceStub(this.env)
        .nodeJobObserved(state.nodeId, state.session, observation, now)
        .catch((err: unknown) => console.warn('sentinel observation lost', String(err))),
    );
  }

  private failJobsOf(ws: WebSocket, code: string, message: string): void {
    for (const [jobId, job] of this.jobs)
      if (job.ws === ws) this.finish(jobId, { t: 'error', code, message });
  }

  private async disconnected(ws: WebSocket, why: string): Promise<void> {
    this.failJobsOf(ws, 'node_failed', `${why}; the answer was cut short`);
    const state = this.states.read(ws);
    if (!state?.hello) return;
    const now = Date.now();
    const models = await presenceStub(this.env).nodeDisconnected(state.nodeId, state.session, now);
    this.ctx.waitUntil(recordServed(this.env, state.nodeId, models, now));
  }

  /** Closes from our side; the node may never answer the close, so clean up now. */
  private async closeWith(ws: WebSocket, code: number, reason: string): Promise<void> {
    ws.close(code, closeReason(reason));
    await this.disconnected(ws, `the edge closed the node's connection (${reason})`);
  }

  private send(ws: WebSocket, message: EdgeToNode): void {
    try {
      ws.send(encode(message));
    } catch {
      // The socket is closing; webSocketClose fails its jobs.
    }
  }

  /** Moves the alarm earlier if `at` is sooner. The time set is remembered, so jobs cost no storage read. */
  private async scheduleAlarm(at: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt === null || this.alarmAt > at) {
      this.alarmAt = at;
      await this.ctx.storage.setAlarm(at);
    }
  }
}

/** The socket as core's session rules see it. */
function viewOf(state: SocketState): EdgeSocketView {
  return {
    connectedAt: state.connectedAt,
    lastSeen: state.lastSeen,
    helloed: state.hello !== null,
    draining: state.draining,
    stalled: state.stalled === true,
  };
}
