import {
  admitEmbedJob,
  admitJob,
  encode,
  isFatalClose,
  modelKindOf,
  NODE_PROTOCOL_VERSION,
  parseEdgeToNode,
  rejectedFrameAnswer,
  type EdgeToNode,
  type JobAdmission,
  type NodeFeature,
  type NodeToEdge,
} from '@proxima/core/protocol';
import type { Engine } from '../engine/engine.ts';
import { noMetrics, type NodeMetricsSink } from '../metrics/sink.ts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import { JobRunner, type Sink } from './job-runner.ts';
import type { Logger } from './log.ts';

export const AGENT_VERSION = 'proxima-node/0.1.0';

export interface AgentOptions {
  /** The edge's base URL, http(s) or ws(s). */
  readonly edgeUrl: string;
  readonly token: string;
  readonly nodeId: string;
  readonly engine: Engine;
  readonly engineName: string;
  /**
   * Jobs at once: a number, or a function when the count changes (the llama engine's `slots()`
   * under 'auto'), read for hello and each heartbeat.
   */
  readonly slots: number | (() => number);
  readonly log: Logger;
  readonly backoff?: BackoffPolicy;
  readonly random?: () => number;
  /** Where job, load and connection facts go (`--metrics`); none when absent. */
  readonly metrics?: NodeMetricsSink;
}

/**
 * What the node announces: 'flow' always (the runner holds a paused job's output), 'continue' when
 * the engine continues an assistant prefix, 'embed' when it serves an embedding model.
 */
export function nodeFeatures(engine: Engine): NodeFeature[] {
  const embeds = engine.embed !== undefined && engine.models.some((m) => m.kind === 'embed');
  return [
    ...(engine.continuesAssistant === true ? (['continue'] as const) : []),
    'flow',
    ...(embeds ? (['embed'] as const) : []),
  ];
}

/** Thrown through `run()` when reconnecting cannot help (bad token, protocol mismatch). */
export class FatalAgentError extends Error {
  override readonly name = 'FatalAgentError';
}

/** Node's WebSocket (undici) takes headers in its init; the DOM typing does not say so. */
type WebSocketWithHeaders = new (
  url: string,
  init: { headers: Record<string, string> },
) => WebSocket;

export function connectUrl(edgeUrl: string, nodeId: string): string {
  const url = new URL('/v1/nodes/connect', edgeUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new Error(`--edge must be an http(s) or ws(s) URL, got ${edgeUrl}`);
  }
  url.searchParams.set('node', nodeId);
  return url.toString();
}

/**
 * The node's side of the edge protocol: dial out, say hello, heartbeat, run jobs, reconnect with
 * backoff and jitter, and drain on request. No inbound port is opened.
 */
export class NodeAgent {
  private readonly options: AgentOptions;
  private readonly runner: JobRunner;
  private readonly metrics: NodeMetricsSink;
  private socket: WebSocket | null = null;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private draining = false;
  private stopped = false;
  private wakeReconnect: (() => void) | undefined;
  private forceClosed: (() => void) | undefined;

  constructor(options: AgentOptions) {
    this.options = options;
    this.metrics = options.metrics ?? noMetrics;
    this.runner = new JobRunner(options.engine, options.slots, options.log, this.metrics);
    this.metrics.observeLoad({
      slots: () => this.runner.slots,
      inFlight: () => this.runner.inFlight,
      queued: () => this.runner.queued,
      vramFreeBytes: async () => {
        const info = await options.engine.info();
        return info.vramTotalBytes > 0 ? info.vramFreeBytes : null;
      },
    });
  }

  /** Runs until drained or stopped; rejects with FatalAgentError when the edge refuses this node. */
  async run(): Promise<void> {
    const url = connectUrl(this.options.edgeUrl, this.options.nodeId);
    const random = this.options.random ?? Math.random;
    let attempt = 0;
    let dialled = false;
    while (!this.stopped) {
      if (dialled) this.metrics.reconnected();
      dialled = true;
      const outcome = await this.session(url);
      if (outcome.welcomed) attempt = 0;
      if (this.stopped) break;
      if (isFatalClose(outcome.code, outcome.welcomed)) {
        throw new FatalAgentError(
          `the edge refused this node (${outcome.code}): ${outcome.reason || 'no reason given'}`,
        );
      }
      const delay = backoffDelay(attempt++, random, this.options.backoff ?? DEFAULT_BACKOFF);
      this.options.log('warn', 'edge.reconnecting', {
        code: outcome.code,
        reason: outcome.reason,
        inMs: delay,
      });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeReconnect = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Stops taking jobs, tells the edge, finishes jobs in flight, then closes. */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.options.log('info', 'node.draining', {
      inFlight: this.runner.inFlight,
      queued: this.runner.queued,
    });
    this.send({ type: 'drain' });
    await this.runner.idle();
    this.stop();
  }

  /** Stops now: aborts jobs and closes the socket. */
  stop(): void {
    this.stopped = true;
    this.runner.abortAll('node stopping');
    clearInterval(this.heartbeat);
    const socket = this.socket;
    socket?.close(1000, 'node stopping');
    // An edge that never answers the close must not keep the node alive.
    if (socket) setTimeout(() => this.forceClosed?.(), 2000).unref();
    this.wakeReconnect?.();
  }

  private session(url: string): Promise<{ code: number; reason: string; welcomed: boolean }> {
    return new Promise((resolve) => {
      const Ctor = WebSocket as unknown as WebSocketWithHeaders;
      const ws = new Ctor(url, { headers: { authorization: `Bearer ${this.options.token}` } });
      this.socket = ws;
      let welcomed = false;
      let settled = false;
      const finish = (code: number, reason: string) => {
        if (settled) return;
        settled = true;
        clearInterval(this.heartbeat);
        if (welcomed) this.metrics.setConnected(false);
        this.runner.abortAll('connection to the edge lost');
        if (this.socket === ws) this.socket = null;
        resolve({ code, reason, welcomed });
      };
      ws.addEventListener('open', () => {
        this.hello(ws).catch((err: unknown) => {
          this.options.log('error', 'node.hello_failed', { message: String(err) });
          ws.close(1011, 'engine info failed');
        });
      });
      ws.addEventListener('message', (event: MessageEvent) => {
        const frame = typeof event.data === 'string' ? event.data : new ArrayBuffer(0);
        const parsed = parseEdgeToNode(frame);
        if (!parsed.ok) {
          // Never fatal: a frame this node cannot take fails its job (if it names one), and the
          // connection, and every other job on it, carry on.
          const answer = rejectedFrameAnswer(frame, parsed.reason);
          this.options.log('error', 'edge.malformed', {
            reason: parsed.reason,
            jobId: answer?.jobId ?? null,
          });
          if (answer) this.sendOn(ws, answer);
          return;
        }
        if (parsed.message.type === 'welcome') {
          welcomed = true;
          this.metrics.setConnected(true);
        }
        this.onMessage(ws, parsed.message);
      });
      ws.addEventListener('close', (event: CloseEvent) => finish(event.code, event.reason));
      this.forceClosed = () => finish(1000, 'closed by this node');
      ws.addEventListener('error', () => {
        if (!this.stopped) this.options.log('warn', 'edge.error', { url });
        // 'close' follows 'error'; if it never does, this resolves the session anyway.
        setTimeout(() => finish(1006, 'connection failed'), 1000).unref();
      });
    });
  }

  private async hello(ws: WebSocket): Promise<void> {
    const info = await this.options.engine.info();
    this.sendOn(ws, {
      type: 'hello',
      protocol: NODE_PROTOCOL_VERSION,
      nodeId: this.options.nodeId,
      agent: AGENT_VERSION,
      engine: this.options.engineName,
      gpu: info.gpu,
      vramTotalBytes: info.vramTotalBytes,
      vramFreeBytes: info.vramFreeBytes,
      slots: this.runner.slots,
      features: nodeFeatures(this.options.engine),
      models: this.options.engine.models.map((m) => ({
        id: m.id,
        ...(m.kind === undefined ? {} : { kind: m.kind }),
        contextSize: m.contextSize,
        description: m.description.slice(0, 512),
        ...(m.maxPromptBytes === undefined ? {} : { maxPromptBytes: m.maxPromptBytes }),
        ...(m.capabilities === undefined ? {} : { capabilities: [...m.capabilities] }),
      })),
    });
  }

  private onMessage(ws: WebSocket, message: EdgeToNode): void {
    switch (message.type) {
      case 'welcome':
        this.options.log('info', 'edge.connected', {
          nodeId: this.options.nodeId,
          heartbeatMs: message.heartbeatMs,
        });
        if (this.draining) this.sendOn(ws, { type: 'drain' });
        clearInterval(this.heartbeat);
        this.heartbeat = setInterval(() => {
          this.beat(ws).catch((err: unknown) =>
            this.options.log('warn', 'node.heartbeat_failed', { message: String(err) }),
          );
        }, message.heartbeatMs);
        return;
      case 'job': {
        const admission = admitJob(
          {
            draining: this.draining,
            models: this.options.engine.models.map((m) => m.id),
            continues: this.options.engine.continuesAssistant === true,
            capabilities: (model) =>
              this.options.engine.models.find((m) => m.id === model)?.capabilities ?? [],
            has: (jobId) => this.runner.has(jobId),
          },
          message.jobId,
          message.request,
        );
        return this.admitted(ws, message.jobId, admission, (sink) =>
          this.runner.submit(message.jobId, message.request, sink),
        );
      }
      case 'embed': {
        const admission = admitEmbedJob(
          {
            draining: this.draining,
            kindOf: (model) => {
              const found = this.options.engine.models.find((m) => m.id === model);
              return found && modelKindOf(found);
            },
            has: (jobId) => this.runner.has(jobId),
          },
          message.jobId,
          message.request,
        );
        return this.admitted(ws, message.jobId, admission, (sink) =>
          this.runner.submitEmbed(message.jobId, message.request, sink),
        );
      }
      case 'cancel':
        this.runner.cancel(message.jobId, message.reason);
        return;
      case 'pause':
        this.runner.pause(message.jobId);
        return;
      case 'resume':
        this.runner.resume(message.jobId);
        return;
    }
  }

  /** Acts on core's admission of a job: runs it (its frames go to `ws`), refuses it, or logs a duplicate. */
  private admitted(
    ws: WebSocket,
    jobId: string,
    admission: JobAdmission,
    run: (sink: Sink) => void,
  ): void {
    if (admission.kind === 'duplicate') this.options.log('warn', 'job.duplicate', { jobId });
    else if (admission.kind === 'refuse') this.sendOn(ws, admission.frame);
    else run((m) => this.sendOn(ws, m));
  }

  private async beat(ws: WebSocket): Promise<void> {
    const info = await this.options.engine.info();
    this.runner.recheck(); // the slot count may have grown since
    this.sendOn(ws, {
      type: 'heartbeat',
      inFlight: this.runner.inFlight,
      queued: this.runner.queued,
      vramFreeBytes: info.vramFreeBytes,
      slots: this.runner.slots,
    });
  }

  private send(message: NodeToEdge): boolean {
    return this.socket ? this.sendOn(this.socket, message) : false;
  }

  private sendOn(ws: WebSocket, message: NodeToEdge): boolean {
    if (ws.readyState !== WebSocket.OPEN) return false;
    ws.send(encode(message));
    return true;
  }
}
