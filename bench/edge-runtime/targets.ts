/**
 * What bench/edge-runtime measures, each in its own processes: the edge under Miniflare (as
 * `proxima dev` runs it), the edge under `proxima edge serve` (bare workerd), each with a node
 * whose engine answers at once, and a plain Node HTTP server as the floor.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnChild, type Child } from '../../local-node/src/dev/child.ts';
import { startEdgeProcess } from '../../local-node/src/dev/edge-process.ts';
import { freePort } from '../../local-node/src/dev/ports.ts';

export const ADMIN_TOKEN = `pxa_bench_${'0'.repeat(40)}`;
export const API_KEY = 'pxk_bench_edge_runtime_0123456789';
const NODE_TOKEN = 'pxn_bench_edge_runtime_0123456789';
const ROOT = join(import.meta.dirname, '..', '..');

export interface Target {
  readonly name: string;
  readonly url: string;
  /** Processes whose CPU time is the edge's (workerd and whatever hosts it). */
  edgePids(): number[];
  /** The node process(es), if any. */
  nodePids(): number[];
  stop(): Promise<void>;
}

/** A process and all its descendants, from /proc (Linux). */
export function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    // gone, or no /proc
  }
  return [pid, ...children.flatMap(processTree)];
}

function waitForLine(
  child: Child,
  lines: string[],
  pattern: RegExp,
  what: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const found = lines.find((l) => pattern.test(l));
      if (found !== undefined) {
        clearInterval(timer);
        resolve(found);
      }
    }, 50);
    void child.exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`${what} exited with ${code}:\n${lines.slice(-20).join('\n')}`));
    });
  });
}

function spawnCollecting(name: string, args: string[], env?: Record<string, string>) {
  const lines: string[] = [];
  const child = spawnChild({
    name,
    command: process.execPath,
    args,
    ...(env === undefined ? {} : { env }),
    onLine: (line) => lines.push(line),
  });
  return { child, lines };
}

async function adminPost(url: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

/** An API key and an instant node for an edge at `url`; resolves when the node is connected. */
async function withInstantNode(url: string, name: string): Promise<Child> {
  await adminPost(url, '/admin/api-keys', { key: API_KEY, tenant: 'bench' });
  await adminPost(url, '/admin/node-tokens', { token: NODE_TOKEN });
  const node = spawnCollecting(`${name}-node`, [
    join(ROOT, 'bench', 'gateway', 'instant-node.ts'),
    url,
    NODE_TOKEN,
  ]);
  await waitForLine(node.child, node.lines, /"event":"edge\.connected"/, `${name}'s node`);
  return node.child;
}

export async function startMiniflareTarget(): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-edge-mf-'));
  const edge = await startEdgeProcess({
    port: await freePort(),
    persistDir: join(dir, 'edge'),
    adminToken: ADMIN_TOKEN,
  });
  const node = await withInstantNode(edge.url, 'miniflare');
  return {
    name: 'miniflare',
    url: edge.url,
    edgePids: () => processTree(edge.child.process.pid ?? 0),
    nodePids: () => [node.process.pid ?? 0],
    stop: async () => {
      await node.stop('SIGTERM', 3000);
      await edge.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function startEdgeServeTarget(): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-edge-serve-'));
  const port = await freePort();
  const edge = spawnCollecting(
    'edge-serve',
    [
      join(ROOT, 'local-node', 'bin', 'proxima.ts'),
      'edge',
      'serve',
      '--listen',
      `127.0.0.1:${port}`,
      '--state-dir',
      dir,
      '--drain-timeout',
      '1',
    ],
    { PROXIMA_ADMIN_TOKEN: ADMIN_TOKEN },
  );
  await waitForLine(edge.child, edge.lines, /listening on http:/, 'proxima edge serve');
  const url = `http://127.0.0.1:${port}`;
  const node = await withInstantNode(url, 'edge-serve');
  return {
    name: 'edge-serve',
    url,
    edgePids: () => processTree(edge.child.process.pid ?? 0),
    nodePids: () => [node.process.pid ?? 0],
    stop: async () => {
      await node.stop('SIGTERM', 3000);
      await edge.child.stop('SIGTERM', 5000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function startDirectTarget(): Promise<Target> {
  const direct = spawnCollecting('direct', [join(ROOT, 'bench', 'gateway', 'direct-server.ts')]);
  const line = await waitForLine(direct.child, direct.lines, /^port \d+$/, 'the direct server');
  return {
    name: 'direct-node',
    url: `http://127.0.0.1:${line.slice('port '.length)}`,
    edgePids: () => [direct.child.process.pid ?? 0],
    nodePids: () => [],
    stop: async () => {
      await direct.child.stop('SIGTERM', 2000);
    },
  };
}
