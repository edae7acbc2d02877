import { SELF } from 'cloudflare:test';
import type { EdgeToNode, NodeToEdge } from '@proxima/core/protocol';
import { NODE_PROTOCOL_VERSION } from '@proxima/core/protocol';

export const ADMIN = 'test-admin-token-0123456789abcdefghijkl';
export const BASE = 'http://edge';

let counter = 0;
/** Unique names per test: storage is isolated per test file, not per test. */
export function unique(prefix: string): string {
  counter++;
  return `${prefix}-${counter}-${Math.floor(Math.random() * 1e9)}`;
}

export async function adminPost(path: string, body: unknown): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export async function newApiKey(): Promise<string> {
  const res = await adminPost('/admin/api-keys', { tenant: 't1' });
  const body: { key: string } = await res.json();
  return body.key;
}

/** A node token; bound to `nodeId` when given, else to the id of its first connection. */
export async function newNodeToken(nodeId?: string): Promise<string> {
  const res = await adminPost('/admin/node-tokens', nodeId === undefined ? {} : { nodeId });
  const body: { token: string } = await res.json();
  return body.token;
}

/** OpenAI's error JSON, as every error answer carries it. */
export interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string };
}

/** A hello from a fake node; `models` is sent as given, so tests can send invalid ones. */
export function helloFrame(
  nodeId: string,
  models: unknown[],
  features?: string[],
): Record<string, unknown> {
  return {
    ...(features ? { features } : {}),
    type: 'hello',
    protocol: NODE_PROTOCOL_VERSION,
    nodeId,
    agent: 'fake/1',
    engine: 'fake',
    gpu: 'cpu',
    vramTotalBytes: 0,
    vramFreeBytes: 0,
    slots: 4,
    models,
  };
}

/** A protocol peer standing in for a node inside the Workers test runtime. */
export class FakeNode {
  readonly received: EdgeToNode[] = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: Array<() => void> = [];

  readonly ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener('message', (e) => {
      this.received.push(JSON.parse(String(e.data)) as EdgeToNode);
      this.wake();
    });
    ws.addEventListener('close', (e) => {
      this.closed = { code: e.code, reason: e.reason };
      this.wake();
    });
  }

  static async connect(nodeId: string, token: string): Promise<FakeNode> {
    const res = await SELF.fetch(`${BASE}/v1/nodes/connect?node=${nodeId}`, {
      headers: { upgrade: 'websocket', authorization: `Bearer ${token}` },
    });
    if (!res.webSocket) throw new Error(`no websocket: ${res.status} ${await res.text()}`);
    res.webSocket.accept();
    return new FakeNode(res.webSocket);
  }

  static async ready(
    nodeId: string,
    token: string,
    models: string[],
    contextSize = 256,
    features?: string[],
  ): Promise<FakeNode> {
    const node = await FakeNode.connect(nodeId, token);
    node.send(
      helloFrame(
        nodeId,
        models.map((id) => ({ id, contextSize, description: 'fake' })),
        features,
      ),
    );
    await node.next('welcome');
    return node;
  }

  send(message: NodeToEdge | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  sendRaw(frame: string): void {
    this.ws.send(frame);
  }

  /** Waits for the next message of a type not yet consumed, up to `ms`. */
  async next<T extends EdgeToNode['type']>(
    type: T,
    ms = 5000,
  ): Promise<Extract<EdgeToNode, { type: T }>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const index = this.received.findIndex((m) => m.type === type);
      if (index >= 0) return this.received.splice(index, 1)[0] as Extract<EdgeToNode, { type: T }>;
      if (Date.now() > deadline) throw new Error(`no ${type} within ${ms} ms`);
      await this.wait(deadline - Date.now());
    }
  }

  async waitClosed(ms = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('socket did not close');
      await this.wait(deadline - Date.now());
    }
    return this.closed;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(1, ms));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

export async function chat(
  key: string | null,
  body: unknown,
  init: RequestInit = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) headers['authorization'] = `Bearer ${key}`;
  return SELF.fetch(`${BASE}/v1/chat/completions`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

/** Sends the chat until it answers `status` (state changes reach the registry asynchronously), up to ~1 s. */
export async function chatUntilStatus(
  key: string,
  body: unknown,
  status: number,
): Promise<Response> {
  let res = await chat(key, body);
  for (let i = 0; i < 50 && res.status !== status; i++) {
    await new Promise((r) => setTimeout(r, 20));
    res = await chat(key, body);
  }
  return res;
}

/** The `data:` payloads of an SSE response, in order. */
export async function readSse(res: Response): Promise<string[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice(6));
}

/**
 * A fake node that heartbeats with a given load (and its current slot count, when given) until
 * stopped, and answers each job at once ('ok').
 */
export function runNode(
  node: FakeNode,
  load: { inFlight: number; slots?: number } = { inFlight: 0 },
) {
  const served: string[] = [];
  let beating = true;
  const heartbeat = () => ({ type: 'heartbeat', queued: 0, vramFreeBytes: 0, ...load });
  const beat = setInterval(() => {
    if (beating) node.send(heartbeat());
  }, 250);
  let answering = true;
  const answer = (async () => {
    while (answering) {
      const job = await node.next('job', 200).catch(() => null);
      if (!job) continue;
      served.push(job.jobId);
      node.send({ type: 'chunk', jobId: job.jobId, seq: 0, text: 'ok' });
      node.send({
        type: 'done',
        jobId: job.jobId,
        seq: 1,
        finishReason: 'stop',
        usage: { promptTokens: 1, completionTokens: 1 },
      });
    }
  })();
  return {
    served,
    stopBeating: () => (beating = false),
    /** One heartbeat now, beating or not. */
    beatOnce: () => node.send(heartbeat()),
    async stop() {
      clearInterval(beat);
      answering = false;
      await answer;
    },
  };
}

/** A connected, welcomed node serving one model with the given capabilities and context. */
export async function nodeWithCapabilities(
  model: string,
  capabilities: string[],
  contextSize = 256,
): Promise<FakeNode> {
  const id = unique('node');
  const node = await FakeNode.connect(id, await newNodeToken(id));
  node.send(helloFrame(id, [{ id: model, contextSize, description: '', capabilities }]));
  await node.next('welcome');
  return node;
}

/** Answers a job with the given chunks (text '' unless a chunk says), then done. */
export function answerJob(
  node: FakeNode,
  job: Extract<EdgeToNode, { type: 'job' }>,
  chunks: Array<Record<string, unknown>>,
  finish = 'stop',
): void {
  chunks.forEach((c, seq) => node.send({ type: 'chunk', jobId: job.jobId, seq, text: '', ...c }));
  node.send({
    type: 'done',
    jobId: job.jobId,
    seq: chunks.length,
    finishReason: finish,
    usage: { promptTokens: 5, completionTokens: chunks.length },
  });
}
