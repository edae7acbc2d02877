/**
 * The edge for the failover harness: the Worker in local workerd (startEdgeRuntime), its state in
 * a temp dir, an admin token, an API key and node tokens made through the admin API, and the
 * sentinel's view of nodes (GET /admin/nodes). Counts the edge's failover log events.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEdgeRuntime, type EdgeRuntime } from '../../local-node/src/dev/edge-runtime.ts';

/** A node as GET /admin/nodes lists it (the fields the harness reads). */
export interface NodeStatus {
  readonly nodeId: string;
  readonly session: number;
  readonly connected: boolean;
  readonly health: 'healthy' | 'suspect' | 'gone' | null;
  readonly load: { readonly inFlight: number; readonly queued: number } | null;
}

export interface FailoverEdgeOptions {
  readonly heartbeatMs: number;
  /** More edge vars (STREAM_STALL_MS, UPSTREAMS, ...). */
  readonly bindings: Readonly<Record<string, string>>;
  /** Every line the edge prints. */
  readonly onLine?: (line: string) => void;
}

/** Edge log events the harness counts (edge/src/routes/failover-stream.ts, node-session.ts). */
const COUNTED = [
  'stream.cut',
  'stream.resumed',
  'stream.not_resumed',
  'stream.source_failed',
  'node.stalled',
  'job.failed',
  'upstream.failed',
  'presence.node_gone',
] as const;

export class FailoverEdge {
  readonly url: string;
  readonly apiKey: string;
  /** Edge log events by name, counted as the lines arrive. */
  readonly events: ReadonlyMap<string, number>;
  private readonly runtime: EdgeRuntime;
  private readonly adminToken: string;
  private readonly stateDir: string;

  private constructor(
    runtime: EdgeRuntime,
    adminToken: string,
    apiKey: string,
    stateDir: string,
    events: ReadonlyMap<string, number>,
  ) {
    this.runtime = runtime;
    this.url = runtime.url;
    this.adminToken = adminToken;
    this.apiKey = apiKey;
    this.stateDir = stateDir;
    this.events = events;
  }

  static async start(options: FailoverEdgeOptions): Promise<FailoverEdge> {
    const stateDir = await mkdtemp(join(tmpdir(), 'proxima-failover-'));
    // ADMIN_TOKEN must be at least 32 characters or the admin API stays off.
    const adminToken = `pxa_failover_${randomBytes(24).toString('base64url')}`;
    const events = new Map<string, number>();
    let runtime: EdgeRuntime | undefined;
    try {
      runtime = await startEdgeRuntime({
        port: 0,
        persistDir: join(stateDir, 'edge'),
        adminToken,
        heartbeatMs: options.heartbeatMs,
        bindings: options.bindings,
        onLine: (line) => {
          for (const name of COUNTED) {
            if (line.includes(`"event":"${name}"`)) events.set(name, (events.get(name) ?? 0) + 1);
          }
          options.onLine?.(line);
        },
      });
      const res = await adminFetch(runtime.url, adminToken, 'POST', '/admin/api-keys', {
        tenant: 'failover',
        name: 'failover-harness',
      });
      const { key } = (await res.json()) as { key: string };
      return new FailoverEdge(runtime, adminToken, key, stateDir, events);
    } catch (err) {
      await runtime?.stop();
      await rm(stateDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** A node token bound to `nodeId`. */
  async nodeToken(nodeId: string): Promise<string> {
    const res = await adminFetch(this.url, this.adminToken, 'POST', '/admin/node-tokens', {
      nodeId,
    });
    return ((await res.json()) as { token: string }).token;
  }

  /** The sentinel's view: every node that connected, with its health now. */
  async nodes(): Promise<Map<string, NodeStatus>> {
    const res = await adminFetch(this.url, this.adminToken, 'GET', '/admin/nodes');
    const { nodes } = (await res.json()) as { nodes: NodeStatus[] };
    return new Map(nodes.map((n) => [n.nodeId, n]));
  }

  /**
   * The routing memory of the isolate that answers (GET /admin/routing): each backend's breaker
   * phase, as `id: phase`. Null when the edge has no such route. For diagnosis only.
   */
  async breakers(): Promise<Map<string, string> | null> {
    try {
      const res = await adminFetch(this.url, this.adminToken, 'GET', '/admin/routing');
      const body = (await res.json()) as {
        backends?: Array<{ id: string; breaker: string; retryAfterMs?: number }>;
      };
      return new Map(
        (body.backends ?? []).map((b) => [
          b.id,
          b.retryAfterMs ? `${b.breaker} ${b.retryAfterMs} ms` : b.breaker,
        ]),
      );
    } catch {
      return null;
    }
  }

  async stop(): Promise<void> {
    try {
      await this.runtime.stop();
    } finally {
      await rm(this.stateDir, { recursive: true, force: true });
    }
  }
}

async function adminFetch(
  url: string,
  adminToken: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<Response> {
  const send = () =>
    fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
  let res: Response;
  try {
    res = await send();
  } catch (err) {
    // A read may meet a kept-alive connection the edge just closed ("other side closed"): the
    // harness's own plumbing, so a GET is sent once more. Chats are never retried.
    if (method !== 'GET') throw err;
    await new Promise((r) => setTimeout(r, 100));
    res = await send();
  }
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}
