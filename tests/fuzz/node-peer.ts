import { NODE_PROTOCOL_VERSION, type NodeToEdge } from '@proxima/core/protocol';

/** Node's WebSocket (undici) takes headers in its init; the DOM typing does not say so. */
type WebSocketWithHeaders = new (
  url: string,
  init: { headers: Record<string, string> },
) => WebSocket;

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

export function connectUrl(edgeUrl: string, nodeId: string): string {
  const url = new URL('/v1/nodes/connect', edgeUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('node', nodeId);
  return url.toString();
}

export function helloFor(nodeId: string, models: readonly string[]): NodeToEdge {
  return {
    type: 'hello',
    protocol: NODE_PROTOCOL_VERSION,
    nodeId,
    agent: 'fuzz/1',
    engine: 'fake',
    gpu: 'cpu',
    vramTotalBytes: 0,
    vramFreeBytes: 0,
    slots: 4,
    models: models.map((id) => ({ id, contextSize: 256, description: 'fuzz' })),
  };
}

/**
 * A protocol peer standing in for a node, over a real WebSocket to the edge: it says hello, keeps
 * heartbeats going, answers jobs with "ok" (unless told not to), and records how it was closed.
 */
export class NodePeer {
  readonly messages: Array<Record<string, unknown>> = [];
  closed: Closed | null = null;
  /** Answer every job with one chunk "ok" and done. */
  autoAnswer = true;
  private readonly ws: WebSocket;
  private opened = false;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private waiters: Array<() => void> = [];

  constructor(edgeUrl: string, nodeId: string, headers: Record<string, string>) {
    const Ctor = WebSocket as unknown as WebSocketWithHeaders;
    this.ws = new Ctor(connectUrl(edgeUrl, nodeId), { headers });
    this.ws.binaryType = 'arraybuffer';
    this.ws.addEventListener('open', () => {
      this.opened = true;
      this.wake();
    });
    this.ws.addEventListener('message', (event: MessageEvent) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(String(event.data)) as Record<string, unknown>;
      } catch {
        message = { type: '(not JSON)', data: String(event.data).slice(0, 200) };
      }
      this.messages.push(message);
      if (message['type'] === 'welcome') this.startHeartbeat();
      if (message['type'] === 'job' && this.autoAnswer) this.answer(String(message['jobId']));
      this.wake();
    });
    this.ws.addEventListener('close', (event: CloseEvent) => {
      this.closed = { code: event.code, reason: event.reason };
      clearInterval(this.heartbeat);
      this.wake();
    });
    this.ws.addEventListener('error', () => this.wake());
  }

  /** True once open; false if the socket closed (or failed) before opening. */
  async open(ms = 5000): Promise<boolean> {
    await this.until(() => this.opened || this.closed !== null, ms);
    return this.opened && this.closed === null;
  }

  /** Sends hello and waits for welcome: true if welcomed. */
  async hello(nodeId: string, models: readonly string[], ms = 5000): Promise<boolean> {
    this.send(JSON.stringify(helloFor(nodeId, models)));
    await this.until(() => this.has('welcome') || this.closed !== null, ms);
    return this.has('welcome') && this.closed === null;
  }

  send(frame: string | Uint8Array): void {
    try {
      this.ws.send(frame);
    } catch {
      // closing or closed: the close event tells the story
    }
  }

  /** The next job's id, waiting up to `ms`; null if none came (or the socket closed). */
  async nextJob(ms = 5000): Promise<string | null> {
    const seen = this.messages.filter((m) => m['type'] === 'job').length;
    await this.until(
      () => this.messages.filter((m) => m['type'] === 'job').length > seen || this.closed !== null,
      ms,
    );
    const jobs = this.messages.filter((m) => m['type'] === 'job');
    return jobs.length > seen ? String(jobs[jobs.length - 1]?.['jobId']) : null;
  }

  /** How the edge closed this socket, waiting up to `ms`; null if it is still open. */
  async waitClosed(ms: number): Promise<Closed | null> {
    await this.until(() => this.closed !== null, ms);
    return this.closed;
  }

  close(): void {
    clearInterval(this.heartbeat);
    try {
      this.ws.close(1000, 'fuzz case done');
    } catch {
      // already closed
    }
  }

  private answer(jobId: string): void {
    this.send(JSON.stringify({ type: 'chunk', jobId, seq: 0, text: 'ok' }));
    this.send(
      JSON.stringify({
        type: 'done',
        jobId,
        seq: 1,
        finishReason: 'stop',
        usage: { promptTokens: 1, completionTokens: 1 },
      }),
    );
  }

  private has(type: string): boolean {
    return this.messages.some((m) => m['type'] === type);
  }

  private startHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (this.closed) return;
      this.send(JSON.stringify({ type: 'heartbeat', inFlight: 0, queued: 0, vramFreeBytes: 0 }));
    }, 400);
  }

  private async until(done: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!done() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
