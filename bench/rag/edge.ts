// The edge of bench:rag: local workerd through Miniflare (the same runtime `npm start` uses), one
// tenant's API key, and the RAG routes as a client calls them.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SearchMode } from '@proxima/core/rag';
import { startEdgeRuntime, type EdgeRuntime } from '../../local-node/src/dev/edge-runtime.ts';
import { fetchRetryingClosedSocket } from '../../tests/closed-socket-retry.ts';

export interface BenchEdge {
  readonly url: string;
  readonly key: string;
  stop(): Promise<void>;
}

export async function startBenchEdge(
  bindings: Record<string, string>,
  onLine?: (line: string) => void,
): Promise<BenchEdge> {
  const dir = await mkdtemp(join(tmpdir(), 'proxima-bench-rag-'));
  const adminToken = `pxa_bench_${randomBytes(24).toString('base64url')}`;
  let edge: EdgeRuntime | null = null;
  try {
    edge = await startEdgeRuntime({
      port: 0,
      persistDir: join(dir, 'edge'),
      adminToken,
      dataKey: `pxd_bench_${randomBytes(24).toString('base64url')}`,
      bindings,
      ...(onLine === undefined ? {} : { onLine }),
    });
    const res = await fetch(`${edge.url}/admin/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'bench' }),
    });
    if (!res.ok) throw new Error(`api key: ${res.status} ${await res.text()}`);
    const { key } = (await res.json()) as { key: string };
    const running = edge;
    return {
      url: edge.url,
      key,
      stop: async () => {
        await running.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await edge?.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export interface Hit {
  readonly document_id: string;
  readonly chunk_id: string;
  readonly score: number;
}

async function call(
  edge: BenchEdge,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const res = await fetchRetryingClosedSocket(
    `${edge.url}${path}`,
    {
      method,
      headers: { authorization: `Bearer ${edge.key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    },
    (code) => console.log(`  ${new Date().toISOString()} ${method} ${path}: ${code}, sent again`),
    // Every call here is safe to repeat (searches, and posts that replace documents by id).
    4,
  );
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}

export async function postDocuments(
  edge: BenchEdge,
  ns: string,
  documents: readonly { id: string; text: string }[],
): Promise<number> {
  const body = (await call(edge, 'POST', `/v1/rag/${ns}/documents`, { documents })) as {
    data: { chunks: number }[];
  };
  return body.data.reduce((n, d) => n + d.chunks, 0);
}

export async function search(
  edge: BenchEdge,
  ns: string,
  query: string,
  mode: SearchMode,
  topK: number,
): Promise<Hit[]> {
  const body = (await call(edge, 'POST', `/v1/rag/${ns}/search`, { query, mode, top_k: topK })) as {
    data: Hit[];
  };
  return body.data;
}

export interface NamespaceState {
  readonly documents: number;
  readonly version: number;
  readonly shards: { readonly id: string; readonly rows: number }[];
  readonly splitting: string | null;
}

export async function describeNamespace(edge: BenchEdge, ns: string): Promise<NamespaceState> {
  return (await call(edge, 'GET', `/v1/rag/${ns}`)) as NamespaceState;
}

/** Waits until no split is under way and no shard is over the threshold. */
export async function settled(
  edge: BenchEdge,
  ns: string,
  threshold: number,
): Promise<NamespaceState> {
  for (;;) {
    const state = await describeNamespace(edge, ns);
    if (state.splitting === null && state.shards.every((s) => s.rows <= threshold)) return state;
    await new Promise((r) => setTimeout(r, 200));
  }
}
