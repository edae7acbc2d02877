import {
  admitJob,
  encode,
  JobFrames,
  NODE_PROTOCOL_VERSION,
  parseEdgeToNode,
  rejectedFrameAnswer,
  type JobRequest,
  type NodeModel,
  type NodeToEdge,
} from '@proxima/core/protocol';

/** What the scripted node generates for a job. */
export type JobScript = (request: JobRequest) => {
  readonly chunks: readonly string[];
  readonly delayMs: number;
};

export interface ScriptedNodeOptions {
  readonly nodeId: string;
  readonly models: readonly NodeModel[];
  readonly features?: readonly string[];
  readonly slots?: number;
  readonly script: JobScript;
}

/**
 * The edge tests' autonomous node: the node side of the protocol from core's rules (admitJob,
 * JobFrames, rejectedFrameAnswer), answering jobs from a script. It passes the same node-peer
 * contract as the real agent (scripted-node.contract.test.ts), so tests against it see what a
 * real node would send. FakeNode (helpers.ts) stays for tests that script frames one by one.
 */
export class ScriptedNode {
  private readonly ws: WebSocket;
  private readonly options: ScriptedNodeOptions;
  private readonly running = new Map<string, JobFrames>();
  /** Paused jobs (flow control), each with what resumes it. */
  private readonly paused = new Map<string, () => void>();
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private draining = false;

  constructor(ws: WebSocket, options: ScriptedNodeOptions) {
    this.ws = ws;
    this.options = options;
    ws.addEventListener('message', (event) => this.onFrame(event.data as string | ArrayBuffer));
    ws.addEventListener('close', () => this.stop());
  }

  /** Says hello; call once the socket is open. */
  hello(): void {
    this.send({
      type: 'hello',
      protocol: NODE_PROTOCOL_VERSION,
      nodeId: this.options.nodeId,
      agent: 'scripted/1',
      engine: 'scripted',
      gpu: 'cpu',
      vramTotalBytes: 0,
      vramFreeBytes: 0,
      slots: this.options.slots ?? 4,
      models: [...this.options.models],
      features: [...new Set([...(this.options.features ?? []), 'flow'])],
    });
  }

  drain(): void {
    this.draining = true;
    this.send({ type: 'drain' });
  }

  stop(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    for (const frames of this.running.values()) frames.cancel();
    this.running.clear();
  }

  private onFrame(data: string | ArrayBuffer): void {
    const parsed = parseEdgeToNode(data);
    if (!parsed.ok) {
      const answer = rejectedFrameAnswer(data, parsed.reason);
      if (answer) this.send(answer);
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'welcome':
        if (this.heartbeat !== null) clearInterval(this.heartbeat);
        this.heartbeat = setInterval(() => {
          const inFlight = this.running.size;
          this.send({ type: 'heartbeat', inFlight, queued: 0, vramFreeBytes: 0 });
        }, message.heartbeatMs);
        return;
      case 'job': {
        const admission = admitJob(
          {
            draining: this.draining,
            models: this.options.models.map((m) => m.id),
            continues: this.options.features?.includes('continue') ?? false,
            capabilities: (model) =>
              this.options.models.find((m) => m.id === model)?.capabilities ?? [],
            has: (id) => this.running.has(id),
          },
          message.jobId,
          message.request,
        );
        if (admission.kind === 'refuse') this.send(admission.frame);
        if (admission.kind === 'accept') void this.run(message.jobId, message.request);
        return;
      }
      case 'cancel':
        this.running.get(message.jobId)?.cancel();
        this.running.delete(message.jobId);
        this.paused.get(message.jobId)?.();
        return;
      case 'pause':
        if (this.running.has(message.jobId) && !this.paused.has(message.jobId))
          this.paused.set(message.jobId, () => undefined);
        return;
      case 'resume': {
        const wake = this.paused.get(message.jobId);
        this.paused.delete(message.jobId);
        wake?.();
        return;
      }
    }
  }

  private async run(jobId: string, request: JobRequest): Promise<void> {
    const frames = new JobFrames(jobId);
    this.running.set(jobId, frames);
    const { chunks, delayMs } = this.options.script(request);
    for (const text of chunks) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await this.whilePaused(jobId);
      if (frames.isEnded) return;
      this.send(frames.chunk(text));
    }
    await this.whilePaused(jobId);
    if (frames.isEnded) return;
    this.send(frames.done('stop', { promptTokens: 1, completionTokens: chunks.length }));
    this.running.delete(jobId);
  }

  private whilePaused(jobId: string): Promise<void> {
    if (!this.paused.has(jobId)) return Promise.resolve();
    return new Promise((resolve) => this.paused.set(jobId, resolve));
  }

  private send(frame: NodeToEdge | null): void {
    if (frame === null) return;
    try {
      this.ws.send(encode(frame));
    } catch {
      this.stop(); // the socket closed under us
    }
  }
}
