/**
 * bench:gateway-peer — Proxima against Portkey's open-source gateway, in one run, on the same
 * fake OpenAI-compatible upstream (see stack.ts for the processes). Four paths:
 * - direct: the client calls the fake upstream itself (the baseline);
 * - proxima: the edge routes the model to the upstream through `UPSTREAMS`;
 * - proxima_node: the edge sends the job to a node whose engine answers at once;
 * - portkey: Portkey forwards to the upstream (provider `openai`, custom host).
 * Each round runs, path after path (the order rotating by round, so all see the same noise):
 * 1. sustained load at concurrency 1 (and the two gateways' floors beside it): latency;
 * 2. sustained load at concurrency 16: requests per second, and CPU per request from /proc;
 * 3. streamed requests at concurrency 1: time to the first SSE byte;
 * 4. bursts of BENCH_PEER_BURST requests at once.
 * Phases 1–2 run on wrk when it is installed, else on the node:http client (bench/load); 3–4
 * always run on that client (wrk cannot time a first byte or fire a burst).
 * Progress goes to stderr; the last line of stdout is the JSON (report.ts).
 * Env: BENCH_PEER_SECONDS (10, each sustained run), BENCH_PEER_ROUNDS (2),
 * BENCH_PEER_STREAM_SECONDS (5), BENCH_PEER_BURST (64), BENCH_PEER_BURSTS (10 per round),
 * BENCH_PEER_WARMUP_SECONDS (2), BENCH_PEER_GENERATOR (wrk|node).
 */
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { round } from '../gateway/stats.ts';
import { cpuSeconds } from '../gateway/proc-cpu.ts';
import { runClient } from '../load/client-run.ts';
import { pickGenerator } from '../load/generator.ts';
import { percentileMs } from '../load/histogram.ts';
import { emptyPhase, mergePhase, rps, type PhaseResult } from '../load/phase-result.ts';
import type { RequestSpec } from '../load/request.ts';
import { checkTarget } from './check.ts';
import { buildReport, resultKey, type CpuTotals, type Phase } from './report.ts';
import { startStack, type Stack } from './stack.ts';
import {
  CHAT_TARGETS,
  chatRequests,
  FLOOR_TARGETS,
  floorRequests,
  type ChatTarget,
  type FloorTarget,
} from './targets.ts';

/** A positive number from the environment, or the fallback. */
function env(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number: ${raw}`);
  return n;
}

const SECONDS = env('BENCH_PEER_SECONDS', 10);
const ROUNDS = Math.round(env('BENCH_PEER_ROUNDS', 2));
const STREAM_SECONDS = env('BENCH_PEER_STREAM_SECONDS', Math.max(1, SECONDS / 2));
const BURST = Math.round(env('BENCH_PEER_BURST', 64));
const BURSTS = Math.round(env('BENCH_PEER_BURSTS', 10));
const WARMUP_SECONDS = env('BENCH_PEER_WARMUP_SECONDS', 2);
const BURST_GAP_MS = 200;
const TIMEOUT_MS = 10_000;

const progress = (line: string) => process.stderr.write(`${line}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // Exit at once: spawnChild's and Miniflare's exit hooks kill the children, startFleet's removes
  // its temp dir (Miniflare's own signal hook exits synchronously, so async cleanup never runs).
  process.once(signal, () => {
    progress(`${signal}: stopping`);
    process.exit(130);
  });
}

/** Rotates `list` left by `by`, so each round starts with another path. */
function rotate<T>(list: readonly T[], by: number): T[] {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function describe(name: string, r: PhaseResult, firstByte = false): string {
  const h = firstByte ? r.firstByte : r.latency;
  const errors = r.errors > 0 ? `  ERRORS ${r.errors}` : '';
  return `  ${name.padEnd(14)} p50 ${round(percentileMs(h, 50)).toFixed(3)} ms  p99 ${round(percentileMs(h, 99)).toFixed(3)} ms  ${round(rps(r), 0)} req/s  (${r.requests})${errors}`;
}

const benchStarted = performance.now();
const loadBefore = loadavg()[0] ?? Number.NaN;
const generator = pickGenerator('BENCH_PEER_GENERATOR');
progress(
  `bench:gateway-peer: generator ${generator.name} (${generator.version}), ${ROUNDS} rounds of ${SECONDS} s runs`,
);
let stack: Stack | undefined;

try {
  stack = await startStack();
  const s = stack;
  const chats = chatRequests(s);
  const floors = floorRequests(s);
  progress(`upstream ${s.upstreamUrl}, proxima ${s.proximaUrl}, portkey ${s.portkeyUrl}`);

  let portkeyStreamError: string | null = null;
  for (const target of CHAT_TARGETS) {
    const check = await checkTarget(target, chats[target]);
    if (target === 'portkey' && check.whole === null && check.stream !== null) {
      // Measured and reported without its streamed figure rather than not at all.
      portkeyStreamError = check.stream;
      progress(`portkey: streaming fails, its first-byte figure is left out: ${check.stream}`);
      continue;
    }
    const problem = check.whole ?? check.stream;
    if (problem !== null) throw new Error(`${target} answers wrongly: ${problem}`);
  }
  const streamed = CHAT_TARGETS.filter((t) => t !== 'portkey' || portkeyStreamError === null);

  progress(`warm-up: ${WARMUP_SECONDS} s per path`);
  for (const target of CHAT_TARGETS) {
    await generator.sustained({
      request: chats[target].whole,
      connections: 4,
      seconds: WARMUP_SECONDS,
    });
  }
  for (const target of streamed) {
    await runClient({
      mode: 'first-byte',
      request: chats[target].stream,
      concurrency: 1,
      durationMs: 500,
      timeoutMs: TIMEOUT_MS,
    });
  }

  const results = new Map<string, PhaseResult>();
  const keep = (target: ChatTarget | FloorTarget, phase: Phase, r: PhaseResult) => {
    const key = resultKey(target, phase);
    const into = results.get(key) ?? emptyPhase();
    mergePhase(into, r);
    results.set(key, into);
  };
  // CPU time of every process, read from /proc around each sustained phase: what each path
  // costs whatever the scheduling noise of a shared machine does to its latency.
  const cpu = new Map<string, CpuTotals>();
  const groups = (): CpuTotals => ({
    workerd: s.pids.workerd.reduce((sum, pid) => sum + cpuSeconds(pid) * 1000, 0),
    node: cpuSeconds(s.pids.node) * 1000,
    portkey: cpuSeconds(s.pids.portkey) * 1000,
    upstream: cpuSeconds(s.pids.upstream) * 1000,
  });
  const sustained = async (
    target: ChatTarget | FloorTarget,
    phase: 'c1' | 'c16',
    request: RequestSpec,
  ) => {
    const before = groups();
    const r = await generator.sustained({
      request,
      connections: phase === 'c1' ? 1 : 16,
      seconds: SECONDS,
    });
    const after = groups();
    const key = resultKey(target, phase);
    const totals = cpu.get(key) ?? { workerd: 0, node: 0, portkey: 0, upstream: 0 };
    for (const k of ['workerd', 'node', 'portkey', 'upstream'] as const) {
      totals[k] += after[k] - before[k];
    }
    cpu.set(key, totals);
    keep(target, phase, r);
    progress(describe(target, r));
  };
  const sustainedTargets: Array<[ChatTarget | FloorTarget, RequestSpec]> = [
    ...CHAT_TARGETS.map((t): [ChatTarget, RequestSpec] => [t, chats[t].whole]),
    ...FLOOR_TARGETS.map((t): [FloorTarget, RequestSpec] => [t, floors[t]]),
  ];

  for (let round_ = 0; round_ < ROUNDS; round_++) {
    progress(`round ${round_ + 1}/${ROUNDS}: concurrency 1, ${SECONDS} s each`);
    for (const [target, request] of rotate(sustainedTargets, round_)) {
      await sustained(target, 'c1', request);
    }
    progress(`round ${round_ + 1}/${ROUNDS}: concurrency 16, ${SECONDS} s each`);
    for (const target of rotate(CHAT_TARGETS, round_)) {
      await sustained(target, 'c16', chats[target].whole);
    }
    progress(
      `round ${round_ + 1}/${ROUNDS}: streamed, concurrency 1, ${STREAM_SECONDS} s each (first byte)`,
    );
    for (const target of rotate(streamed, round_)) {
      const r = await runClient({
        mode: 'first-byte',
        request: chats[target].stream,
        concurrency: 1,
        durationMs: STREAM_SECONDS * 1000,
        timeoutMs: TIMEOUT_MS,
      });
      keep(target, 'stream', r);
      progress(describe(target, r, true));
    }
    progress(`round ${round_ + 1}/${ROUNDS}: ${BURSTS} bursts of ${BURST}`);
    for (const target of rotate(CHAT_TARGETS, round_)) {
      const r = await runClient({
        mode: 'burst',
        request: chats[target].whole,
        concurrency: 1,
        durationMs: 0,
        burstSize: BURST,
        bursts: BURSTS,
        gapMs: BURST_GAP_MS,
        timeoutMs: TIMEOUT_MS,
      });
      keep(target, 'burst', r);
      progress(describe(target, r));
    }
  }

  const errors = [...results.entries()].filter(([, r]) => r.errors > 0);
  for (const [key, r] of errors) progress(`warning: ${key} had ${r.errors} failed requests`);

  const report = buildReport({
    results,
    cpu,
    generator,
    portkeyStreamError,
    config: {
      seconds_per_run: SECONDS,
      rounds: ROUNDS,
      stream_seconds_per_run: STREAM_SECONDS,
      burst_size: BURST,
      bursts_per_round: BURSTS,
    },
    context: {
      failed_requests: Object.fromEntries(errors.map(([key, r]) => [key, r.errors])),
      workerd_processes: s.pids.workerd.length,
      cores: availableParallelism(),
      loadavg_1m_before: round(loadBefore, 2),
      loadavg_1m_after: round(loadavg()[0] ?? Number.NaN, 2),
      wall_seconds: round((performance.now() - benchStarted) / 1000, 1),
    },
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  await stack?.stop();
}
