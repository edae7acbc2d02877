/**
 * bench:gateway-peer's final JSON, from the merged phases. Overhead is a gateway's percentile
 * minus the direct call's at the same percentile, at concurrency 1 (sustained: each answer's
 * latency, with no queue in front). Requests per second are at concurrency 16. The streamed
 * first byte is the time to the first byte of the SSE body, again minus direct's.
 */
import { round } from '../gateway/stats.ts';
import { percentileMs } from '../load/histogram.ts';
import { rps, type PhaseResult } from '../load/phase-result.ts';
import type { ChatTarget, FloorTarget } from './targets.ts';

export type Phase = 'c1' | 'c16' | 'stream' | 'burst';

/** CPU milliseconds per process group, summed over one target's phases of one kind. */
export interface CpuTotals {
  workerd: number;
  node: number;
  portkey: number;
  upstream: number;
}

export interface ReportInput {
  readonly results: ReadonlyMap<string, PhaseResult>;
  /** By resultKey, for the sustained phases (c1, c16). */
  readonly cpu: ReadonlyMap<string, CpuTotals>;
  readonly generator: { readonly name: string; readonly version: string };
  readonly portkeyStreamError: string | null;
  readonly config: Readonly<Record<string, number>>;
  readonly context: Readonly<Record<string, unknown>>;
}

export const resultKey = (target: ChatTarget | FloorTarget, phase: Phase) => `${target}:${phase}`;

const PERCENTILES = [
  ['p50', 50],
  ['p90', 90],
  ['p99', 99],
  ['p999', 99.9],
] as const;

function latencySummary(r: PhaseResult | undefined, which: 'latency' | 'firstByte') {
  if (r === undefined) return null;
  const out: Record<string, number> = {};
  for (const [name, p] of PERCENTILES) out[`${name}_ms`] = round(percentileMs(r[which], p));
  return { ...out, requests: r.requests, errors: r.errors, rps: round(rps(r), 0) };
}

/** a / b, or null when it means nothing (b not positive). */
function ratio(a: number, b: number): number | null {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? round(a / b) : null;
}

export function buildReport(input: ReportInput): Record<string, unknown> {
  const get = (t: ChatTarget | FloorTarget, phase: Phase) => input.results.get(resultKey(t, phase));
  const pct = (
    t: ChatTarget | FloorTarget,
    phase: Phase,
    p: number,
    which: 'latency' | 'firstByte' = 'latency',
  ) => {
    const r = get(t, phase);
    return r === undefined ? Number.NaN : percentileMs(r[which], p);
  };
  const over = (
    t: ChatTarget | FloorTarget,
    phase: Phase,
    p: number,
    which: 'latency' | 'firstByte' = 'latency',
  ) => round(pct(t, phase, p, which) - pct('direct', phase, p, which));
  const rpsOf = (t: ChatTarget, phase: Phase) => {
    const r = get(t, phase);
    return r === undefined ? Number.NaN : round(rps(r), 0);
  };

  const proximaP50 = over('proxima', 'c1', 50);
  const proximaP99 = over('proxima', 'c1', 99);
  const portkeyP50 = over('portkey', 'c1', 50);
  const portkeyP99 = over('portkey', 'c1', 99);
  const proximaRps = rpsOf('proxima', 'c16');
  const portkeyRps = rpsOf('portkey', 'c16');
  const proximaFirstByte = over('proxima', 'stream', 50, 'firstByte');
  const portkeyFirstByte = over('portkey', 'stream', 50, 'firstByte');
  const goal = {
    overhead_p50_at_most_half_of_portkey: proximaP50 <= portkeyP50 / 2,
    overhead_p99_at_most_half_of_portkey: proximaP99 <= portkeyP99 / 2,
    more_rps_c16_than_portkey: proximaRps > portkeyRps,
  };

  const targets: ChatTarget[] = ['direct', 'proxima', 'proxima_node', 'portkey'];
  const perTarget = <T>(f: (t: ChatTarget) => T) =>
    Object.fromEntries(targets.map((t) => [t, f(t)])) as Record<ChatTarget, T>;
  /** The CPU per answered request of the processes on a path, in one kind of phase. */
  const cpuOf = (t: ChatTarget | FloorTarget, phase: 'c1' | 'c16') => {
    const c = input.cpu.get(resultKey(t, phase));
    const n = get(t, phase)?.requests ?? 0;
    if (c === undefined || n === 0) return null;
    const per = (ms: number) => round(ms / n, 4);
    switch (t) {
      case 'direct':
        return { upstream: per(c.upstream) };
      case 'proxima':
        return { workerd: per(c.workerd), upstream: per(c.upstream) };
      case 'proxima_node':
        return { workerd: per(c.workerd), node: per(c.node) };
      case 'portkey':
        return { portkey: per(c.portkey), upstream: per(c.upstream) };
      case 'proxima_floor':
        return { workerd: per(c.workerd) };
      case 'portkey_floor':
        return { portkey: per(c.portkey) };
    }
  };
  const burstOf = (t: ChatTarget) => {
    const r = get(t, 'burst');
    if (r === undefined) return null;
    const spans = [...r.makespansMs].sort((a, b) => a - b);
    return {
      ...latencySummary(r, 'latency'),
      makespan_p50_ms: round(spans[Math.floor((spans.length - 1) / 2)] ?? Number.NaN),
      makespan_max_ms: round(spans.at(-1) ?? Number.NaN),
    };
  };

  return {
    proxima_overhead_p50_ms: proximaP50,
    proxima_overhead_p99_ms: proximaP99,
    portkey_overhead_p50_ms: portkeyP50,
    portkey_overhead_p99_ms: portkeyP99,
    proxima_rps_c16: proximaRps,
    portkey_rps_c16: portkeyRps,
    proxima_stream_first_byte_added_ms: proximaFirstByte,
    portkey_stream_first_byte_added_ms: input.portkeyStreamError === null ? portkeyFirstByte : null,
    ratio_overhead_p50_proxima_over_portkey: ratio(proximaP50, portkeyP50),
    ratio_overhead_p99_proxima_over_portkey: ratio(proximaP99, portkeyP99),
    ratio_rps_c16_proxima_over_portkey: ratio(proximaRps, portkeyRps),
    ratio_stream_first_byte_added_proxima_over_portkey: ratio(proximaFirstByte, portkeyFirstByte),
    goal: { ...goal, met: Object.values(goal).every(Boolean) },
    generator: input.generator.name,
    generator_version: input.generator.version,
    stream_and_burst_client: 'node-http',
    proxima_node_overhead_p50_ms: over('proxima_node', 'c1', 50),
    proxima_node_overhead_p99_ms: over('proxima_node', 'c1', 99),
    proxima_node_rps_c16: rpsOf('proxima_node', 'c16'),
    proxima_node_stream_first_byte_added_ms: over('proxima_node', 'stream', 50, 'firstByte'),
    direct_rps_c16: rpsOf('direct', 'c16'),
    proxima_stream_first_byte_added_p99_ms: over('proxima', 'stream', 99, 'firstByte'),
    portkey_stream_first_byte_added_p99_ms:
      input.portkeyStreamError === null ? over('portkey', 'stream', 99, 'firstByte') : null,
    burst_overhead_p99_ms: {
      proxima: over('proxima', 'burst', 99),
      proxima_node: over('proxima_node', 'burst', 99),
      portkey: over('portkey', 'burst', 99),
    },
    // The runtimes' own floors at c=1 (edge GET /healthz, Portkey GET /) over a direct chat call.
    floor_overhead_ms: {
      proxima_p50: over('proxima_floor', 'c1', 50),
      proxima_p99: over('proxima_floor', 'c1', 99),
      portkey_p50: over('portkey_floor', 'c1', 50),
      portkey_p99: over('portkey_floor', 'c1', 99),
    },
    portkey_stream_error: input.portkeyStreamError,
    raw: {
      c1: {
        ...perTarget((t) => latencySummary(get(t, 'c1'), 'latency')),
        proxima_floor: latencySummary(get('proxima_floor', 'c1'), 'latency'),
        portkey_floor: latencySummary(get('portkey_floor', 'c1'), 'latency'),
      },
      c16: perTarget((t) => latencySummary(get(t, 'c16'), 'latency')),
      stream_first_byte: perTarget((t) => latencySummary(get(t, 'stream'), 'firstByte')),
      stream_whole: perTarget((t) => latencySummary(get(t, 'stream'), 'latency')),
      burst: perTarget(burstOf),
    },
    cpu_ms_per_req_c1: {
      ...perTarget((t) => cpuOf(t, 'c1')),
      proxima_floor: cpuOf('proxima_floor', 'c1'),
      portkey_floor: cpuOf('portkey_floor', 'c1'),
    },
    cpu_ms_per_req_c16: perTarget((t) => cpuOf(t, 'c16')),
    ...input.config,
    ...input.context,
  };
}
