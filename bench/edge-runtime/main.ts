/**
 * bench/edge-runtime: the local runtime's tail (docs/design/0014). The same edge Worker under
 * Miniflare (`proxima dev`) and under `proxima edge serve` (bare workerd), each with a node whose
 * engine answers at once, and a plain Node server as the floor. Sustained load (keep-alive, 10 s
 * runs) at concurrency 1 and 16 on `GET /healthz` and a non-streamed chat comes from bench/load:
 * wrk when it is installed (one connection per wrk thread, its corrected p99 beside every request
 * as measured), else the node:http client, which reports only what it measured (figures.ts).
 * Runs are interleaved round by round so every target sees the same machine. Then bursts: 64
 * requests at once after a pause, 20 times. Prints medians over rounds and a final JSON line.
 *
 * Env: BENCH_ROUNDS (3), BENCH_SECONDS (10), BENCH_TARGETS (direct-node,miniflare,edge-serve),
 * BENCH_WARMUP_SECONDS (2), BENCH_BURSTS (20), BENCH_GENERATOR (wrk|node).
 */
import { readFileSync } from 'node:fs';
import { runLoad } from '../gateway/load.ts';
import { cpuSeconds } from '../gateway/proc-cpu.ts';
import { percentile, round } from '../gateway/stats.ts';
import { pickGenerator } from '../load/generator.ts';
import type { RequestSpec } from '../load/request.ts';
import { figures, figuresNote, type Figures } from './figures.ts';
import {
  API_KEY,
  startDirectTarget,
  startEdgeServeTarget,
  startMiniflareTarget,
  type Target,
} from './targets.ts';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const WANTED = (process.env['BENCH_TARGETS'] ?? 'direct-node,miniflare,edge-serve').split(',');
const WARMUP_SECONDS = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 2);
const BURSTS = Number(process.env['BENCH_BURSTS'] ?? 20);
const BURST_SIZE = 64;
const CHAT = JSON.stringify({
  model: 'bench-instant',
  messages: [{ role: 'user', content: 'hi' }],
  max_tokens: 1,
});
const generator = pickGenerator('BENCH_GENERATOR');

type Route = 'healthz' | 'chat';
interface Row extends Figures {
  readonly target: string;
  readonly route: Route;
  readonly c: number;
  readonly round: number;
  readonly load1: number;
  readonly edge_cpu_ms: number;
  readonly node_cpu_ms: number;
}

const loadAverage = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
const cpuMs = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuSeconds(pid) * 1000, 0);

function request(target: Target, route: Route): RequestSpec {
  return route === 'healthz'
    ? { url: `${target.url}/healthz`, method: 'GET', headers: {} }
    : {
        url: `${target.url}/v1/chat/completions`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body: CHAT,
      };
}

async function measure(target: Target, route: Route, c: number, round: number): Promise<Row> {
  const edgePids = target.edgePids();
  const nodePids = target.nodePids();
  const load1 = loadAverage();
  const edge0 = cpuMs(edgePids);
  const node0 = cpuMs(nodePids);
  const run = await generator.sustained({
    request: request(target, route),
    connections: c,
    seconds: SECONDS,
    measured: true,
  });
  const result = figures(run, generator.latencyCorrected);
  const per = (ms: number) => round3(ms / Math.max(1, result.requests));
  return {
    target: target.name,
    route,
    c,
    round,
    load1,
    ...result,
    edge_cpu_ms: per(cpuMs(edgePids) - edge0),
    node_cpu_ms: per(cpuMs(nodePids) - node0),
  };
}

function round3(value: number): number {
  return round(value, 3);
}

function median(values: number[]): number {
  return percentile(values, 50);
}

/** Bursts of BURST_SIZE requests at once (Node's fetch; its own cost is in every figure alike). */
async function bursts(target: Target, route: Route) {
  const r = request(target, route);
  const send = () =>
    fetch(r.url, {
      method: r.method,
      headers: r.headers,
      ...(r.body === undefined ? {} : { body: r.body }),
    });
  const spans: number[] = [];
  let errors = 0;
  for (let i = 0; i < BURSTS; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const t0 = performance.now();
    const result = await runLoad(BURST_SIZE, BURST_SIZE, send);
    spans.push(performance.now() - t0);
    errors += result.errors;
  }
  return {
    target: target.name,
    route,
    burst: BURST_SIZE,
    p50_ms: round3(median(spans)),
    max_ms: round3(Math.max(...spans)),
    errors,
  };
}

console.error(
  `bench:edge-runtime: generator ${generator.name} (${generator.version}), ${ROUNDS} rounds of ${SECONDS} s runs`,
);
const starters: Record<string, () => Promise<Target>> = {
  'direct-node': startDirectTarget,
  miniflare: startMiniflareTarget,
  'edge-serve': startEdgeServeTarget,
};
const targets: Target[] = [];
try {
  for (const name of WANTED) {
    const start = starters[name];
    if (!start)
      throw new Error(`unknown target ${name}; known: ${Object.keys(starters).join(', ')}`);
    targets.push(await start());
  }
  // Warm-up: JIT, isolate caches, the first key lookups.
  for (const t of targets) {
    for (const route of ['healthz', 'chat'] as const) {
      await generator.sustained({
        request: request(t, route),
        connections: 4,
        seconds: WARMUP_SECONDS,
      });
    }
  }
  const rows: Row[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    for (const c of [1, 16]) {
      for (const route of ['healthz', 'chat'] as const) {
        for (const t of targets) {
          const row = await measure(t, route, c, r);
          rows.push(row);
          console.error(JSON.stringify(row));
        }
      }
    }
  }
  const burstRows = [];
  for (const route of ['healthz', 'chat'] as const) {
    for (const t of targets) burstRows.push(await bursts(t, route));
  }

  const summary = [];
  for (const c of [1, 16]) {
    for (const route of ['healthz', 'chat'] as const) {
      for (const t of targets) {
        const mine = rows.filter((x) => x.c === c && x.route === route && x.target === t.name);
        const m = (key: keyof Row) => {
          const values = mine.map((x) => x[key]);
          // wrk_* are null without wrk.
          if (values.some((v) => v === null)) return null;
          return round3(median(values.map(Number)));
        };
        summary.push({
          target: t.name,
          route,
          c,
          rps: m('rps'),
          wrk_p50_ms: m('wrk_p50_ms'),
          wrk_p99_ms: m('wrk_p99_ms'),
          raw_p99_ms: m('raw_p99_ms'),
          max_ms: m('max_ms'),
          over_50ms: m('over_50ms'),
          edge_cpu_ms: m('edge_cpu_ms'),
          node_cpu_ms: m('node_cpu_ms'),
          load1: m('load1'),
          errors: mine.reduce((sum, x) => sum + x.errors, 0),
        });
      }
    }
  }
  console.table(summary);
  console.table(burstRows);
  console.log(
    JSON.stringify({
      rounds: ROUNDS,
      seconds: SECONDS,
      generator: generator.name,
      generator_version: generator.version,
      latency_figures: figuresNote(generator.latencyCorrected),
      sustained: summary,
      bursts: burstRows,
    }),
  );
} finally {
  for (const t of targets) await t.stop();
}
