/**
 * One sustained run's figures for bench/edge-runtime, in milliseconds. With wrk: wrk's own p50
 * and p99 (its histogram, corrected for coordinated omission) and, beside them, every request as
 * measured (raw_*, over_50ms). The node:http fallback has no corrected histogram: its wrk_* are
 * null and everything else is every request as it measured it.
 */
import { round } from '../gateway/stats.ts';
import { countOver, maxMs, percentileMs } from '../load/histogram.ts';
import { rps, type PhaseResult } from '../load/phase-result.ts';

export interface Figures {
  /** Answers with a 2xx status. */
  readonly requests: number;
  readonly errors: number;
  readonly rps: number;
  /** wrk's histogram, corrected for coordinated omission; null without wrk. */
  readonly wrk_p50_ms: number | null;
  readonly wrk_p99_ms: number | null;
  readonly max_ms: number;
  /** Every request as measured. */
  readonly raw_p50_ms: number;
  readonly raw_p99_ms: number;
  readonly raw_p999_ms: number;
  /** Requests that took longer than 50 ms: how many stalls there were. */
  readonly over_50ms: number;
}

const STALL_US = 50_000;
const ms = (value: number) => round(value, 3);

/** `latencyCorrected`: whether `r.latency` is wrk's corrected histogram (the generator's flag). */
export function figures(r: PhaseResult, latencyCorrected: boolean): Figures {
  return {
    requests: r.requests,
    errors: r.errors,
    rps: round(rps(r), 1),
    wrk_p50_ms: latencyCorrected ? ms(percentileMs(r.latency, 50)) : null,
    wrk_p99_ms: latencyCorrected ? ms(percentileMs(r.latency, 99)) : null,
    max_ms: ms(maxMs(r.latency)),
    raw_p50_ms: ms(percentileMs(r.measured, 50)),
    raw_p99_ms: ms(percentileMs(r.measured, 99)),
    raw_p999_ms: ms(percentileMs(r.measured, 99.9)),
    over_50ms: countOver(r.measured, STALL_US),
  };
}

/** What the figures are, for the final JSON. */
export function figuresNote(latencyCorrected: boolean): string {
  return latencyCorrected
    ? 'wrk_p50_ms, wrk_p99_ms and max_ms: wrk histogram, corrected for coordinated omission; ' +
        'raw_* and over_50ms: every request as measured (bench/load/wrk.lua), one connection per wrk thread'
    : 'wrk did not run (not installed, or BENCH_GENERATOR=node): wrk_p50_ms and wrk_p99_ms are null; ' +
        'max_ms, raw_* and over_50ms are every request as measured by the node:http fallback client ' +
        '(no correction for coordinated omission), which tops out at a few thousand req/s, so rps ' +
        'at c=16 measures the client as much as the target';
}
