/**
 * bench:gateway — how much the edge adds to a request. A chat request goes client -> edge
 * (workerd, via Miniflare) -> Registry and NodeSession DOs -> node over WebSocket and back, with a node whose
 * engine answers instantly. The same client also calls a plain Node HTTP server (its own process,
 * on loopback) that answers a chat completion at once; the edge's overhead is the difference at
 * each percentile. Edge and direct runs are interleaved in batches so both see the same noise.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnChild } from '../../local-node/src/dev/child.ts';
import { startEdgeRuntime } from '../../local-node/src/dev/edge-runtime.ts';
import { INSTANT_MODEL } from './instant-engine.ts';
import { runLoad, type LoadResult } from './load.ts';
import { childPids, cpuSeconds } from './proc-cpu.ts';
import { percentile, round } from './stats.ts';

const N_C1 = Number(process.env['BENCH_N_C1'] ?? 2000);
const N_C16 = Number(process.env['BENCH_N_C16'] ?? 4000);
const WARMUP = 300;
const BATCHES = 10;

interface Totals {
  latenciesMs: number[];
  rps: number;
  errors: number;
  seconds: number;
}

function emptyResult(): Totals {
  return { latenciesMs: [], rps: 0, errors: 0, seconds: 0 };
}

/** Adds one batch; rps becomes the total over all batches of that kind. */
function merge(into: Totals, batch: LoadResult): void {
  into.latenciesMs.push(...batch.latenciesMs);
  into.errors += batch.errors;
  into.seconds += batch.latenciesMs.length / batch.rps;
  into.rps = into.latenciesMs.length / into.seconds;
}

const adminToken = `pxa_bench_${Date.now()}_0123456789abcdefghij`;
const apiKey = 'pxk_bench_key_0123456789abcdef';
const nodeToken = 'pxn_bench_token_0123456789abcdef';
const stateDir = await mkdtemp(join(tmpdir(), 'proxima-bench-'));
const edge = await startEdgeRuntime({ port: 0, persistDir: join(stateDir, 'edge'), adminToken });
const url = edge.url;
let node: ReturnType<typeof spawnChild> | undefined;
let direct: ReturnType<typeof spawnChild> | undefined;

try {
  for (const [path, body] of [
    ['/admin/api-keys', { key: apiKey, tenant: 'bench' }],
    ['/admin/node-tokens', { token: nodeToken }],
  ] as const) {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  }
  let connected: () => void = () => undefined;
  const ready = new Promise<void>((r) => (connected = r));
  node = spawnChild({
    name: 'bench-node',
    command: process.execPath,
    args: [join(import.meta.dirname, 'instant-node.ts'), url, nodeToken],
    onLine: (line) => {
      if (line.includes('"event":"edge.connected"')) connected();
    },
  });
  await ready;
  let directPort: (port: number) => void = () => undefined;
  const directReady = new Promise<number>((r) => (directPort = r));
  direct = spawnChild({
    name: 'direct',
    command: process.execPath,
    args: [join(import.meta.dirname, 'direct-server.ts')],
    onLine: (line) => {
      const match = /^port (\d+)$/.exec(line);
      if (match) directPort(Number(match[1]));
    },
  });
  const directUrl = `http://127.0.0.1:${await directReady}`;

  const body = JSON.stringify({
    model: INSTANT_MODEL,
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: 1,
  });
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const viaEdge = () => fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body });
  const viaDirect = () =>
    fetch(`${directUrl}/v1/chat/completions`, { method: 'POST', headers, body });

  await runLoad(WARMUP, 4, viaEdge);
  await runLoad(WARMUP, 4, viaDirect);
  // Interleave edge and direct in small batches so both see the same machine noise.
  const edgeC1 = emptyResult();
  const directC1 = emptyResult();
  const edgeC16 = emptyResult();
  const directC16 = emptyResult();
  // CPU time is what the edge costs regardless of how busy the machine is; wall-clock latency on a
  // shared 2-core box is dominated by how soon each process gets scheduled.
  const workerd = childPids(process.pid, 'workerd');
  const nodePid = node.process.pid ?? 0;
  const directPid = direct.process.pid ?? 0;
  const cpu = { edge: 0, node: 0, direct: 0 };
  const timed = async (kind: 'edge' | 'direct', run: () => Promise<LoadResult>) => {
    const pids = kind === 'edge' ? [...workerd, nodePid] : [directPid];
    const before = pids.map(cpuSeconds);
    const result = await run();
    const used = pids.map((pid, i) => cpuSeconds(pid) - (before[i] ?? 0));
    if (kind === 'edge') {
      cpu.edge += used.slice(0, workerd.length).reduce((a, b) => a + b, 0);
      cpu.node += used.at(-1) ?? 0;
    } else cpu.direct += used[0] ?? 0;
    return result;
  };
  for (let i = 0; i < BATCHES; i++) {
    merge(edgeC1, await timed('edge', () => runLoad(N_C1 / BATCHES, 1, viaEdge)));
    merge(directC1, await timed('direct', () => runLoad(N_C1 / BATCHES, 1, viaDirect)));
    merge(edgeC16, await timed('edge', () => runLoad(N_C16 / BATCHES, 16, viaEdge)));
    merge(directC16, await timed('direct', () => runLoad(N_C16 / BATCHES, 16, viaDirect)));
  }
  const perRequestMs = (seconds: number) => round((seconds * 1000) / (N_C1 + N_C16), 3);
  if (edgeC1.errors + edgeC16.errors > 0)
    throw new Error(`edge errors: ${edgeC1.errors + edgeC16.errors}`);

  const p = (r: { latenciesMs: number[] }, q: number) => percentile(r.latenciesMs, q);
  const lines = [
    ['edge   c=1 ', edgeC1],
    ['direct c=1 ', directC1],
    ['edge   c=16', edgeC16],
    ['direct c=16', directC16],
  ] as const;
  for (const [name, r] of lines) {
    console.log(
      `${name}  p50 ${round(p(r, 50))} ms  p99 ${round(p(r, 99))} ms  ${round(r.rps, 0)} req/s  (${r.latenciesMs.length} ok)`,
    );
  }
  const result = {
    overhead_p50_ms: round(p(edgeC1, 50) - p(directC1, 50)),
    overhead_p99_ms: round(p(edgeC1, 99) - p(directC1, 99)),
    edge_p50_ms: round(p(edgeC1, 50)),
    edge_p99_ms: round(p(edgeC1, 99)),
    direct_p50_ms: round(p(directC1, 50)),
    direct_p99_ms: round(p(directC1, 99)),
    rps_c1: round(edgeC1.rps, 0),
    rps_c16: round(edgeC16.rps, 0),
    direct_rps_c16: round(directC16.rps, 0),
    edge_cpu_ms_per_req: perRequestMs(cpu.edge),
    node_cpu_ms_per_req: perRequestMs(cpu.node),
    direct_cpu_ms_per_req: perRequestMs(cpu.direct),
    workerd_processes: workerd.length,
    requests: N_C1 + N_C16,
    goal_overhead_p99_ms: 1,
  };
  console.log(JSON.stringify(result));
} finally {
  await direct?.stop('SIGTERM', 2000);
  await node?.stop('SIGTERM', 3000);
  await edge.stop();
  await rm(stateDir, { recursive: true, force: true });
}
