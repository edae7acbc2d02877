/**
 * The guard bench's fleet: the edge in local workerd (Miniflare) with its state in a temp dir, and
 * one node process serving the gateway bench's instant engine. Everything listens on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnChild, type Child } from '../../local-node/src/dev/child.ts';
import { startEdgeRuntime, type EdgeRuntime } from '../../local-node/src/dev/edge-runtime.ts';

const INSTANT_NODE = join(import.meta.dirname, '..', 'gateway', 'instant-node.ts');
const NODE_CONNECT_TIMEOUT_MS = 30_000;

export interface Fleet {
  readonly url: string;
  /** The node process (its pid is measured for CPU). */
  readonly node: Child;
  /** An admin API call; throws unless the status is 2xx. */
  readonly admin: (method: AdminMethod, path: string, body?: unknown) => Promise<unknown>;
  /** An admin API call whose answer is returned whatever its status. */
  readonly adminRaw: (method: AdminMethod, path: string, body?: unknown) => Promise<Response>;
  /** Stops the node, then the edge, then removes the temp dir. Safe to call more than once. */
  readonly stop: () => Promise<void>;
}

type AdminMethod = 'POST' | 'PATCH' | 'GET';

/** `bindings`: more edge vars (bench:gateway-peer sets UPSTREAMS here). */
export async function startFleet(bindings: Readonly<Record<string, string>> = {}): Promise<Fleet> {
  // ADMIN_TOKEN must be at least 32 characters or the admin API stays off.
  const adminToken = `pxa_bench_${randomBytes(24).toString('base64url')}`;
  const nodeToken = `pxn_bench_${randomBytes(24).toString('base64url')}`;
  const stateDir = await mkdtemp(join(tmpdir(), 'proxima-guard-'));
  let edge: EdgeRuntime | undefined;
  let node: Child | undefined;
  // If the process exits without stop() (a signal: Miniflare's own SIGINT/SIGTERM hook kills
  // workerd and calls process.exit at once), the state dir still goes; spawnChild kills the node.
  const removeStateSync = () => rmSync(stateDir, { recursive: true, force: true });
  process.once('exit', removeStateSync);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      try {
        await node?.stop('SIGTERM', 3000);
        await edge?.stop();
      } finally {
        await rm(stateDir, { recursive: true, force: true });
        process.off('exit', removeStateSync);
      }
    })());

  try {
    edge = await startEdgeRuntime({
      port: 0,
      persistDir: join(stateDir, 'edge'),
      adminToken,
      bindings,
    });
    const url = edge.url;
    const adminRaw = (method: string, path: string, body?: unknown) =>
      fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const admin = async (method: string, path: string, body?: unknown): Promise<unknown> => {
      const res = await adminRaw(method, path, body);
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return JSON.parse(text) as unknown;
    };

    // The token binds to the id of the first node that connects with it ('bench-node').
    await admin('POST', '/admin/node-tokens', { token: nodeToken });
    let connected: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (connected = resolve));
    const started = spawnChild({
      name: 'bench-node',
      command: process.execPath,
      args: [INSTANT_NODE, url, nodeToken],
      onLine: (line) => {
        if (line.includes('"event":"edge.connected"')) connected();
      },
    });
    node = started;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the node did not connect in ${NODE_CONNECT_TIMEOUT_MS} ms`)),
        NODE_CONNECT_TIMEOUT_MS,
      );
    });
    const exited = started.exited.then((code) => {
      throw new Error(`the node exited before connecting (${code})`);
    });
    try {
      await Promise.race([ready, timeout, exited]);
    } finally {
      clearTimeout(timer);
    }
    exited.catch(() => undefined);
    return { url, node: started, admin, adminRaw, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
