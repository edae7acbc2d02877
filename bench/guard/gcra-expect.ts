/**
 * What a GCRA limit of R requests per minute must let through, to judge the Limiter against.
 *
 * GCRA keeps one number, the theoretical arrival time TAT; each allowed request adds the emission
 * interval I = 60000 / R ms to max(TAT, now), and a request at `now` is allowed while
 * max(TAT, now) + I - now <= 60000 (core/limits/gcra.ts). Under constant pressure from a full
 * allowance at t0, TAT stays ahead of the clock, so the n-th request is allowed once
 * t0 + n * I <= now + 60000:
 *
 *   allowed by time t = floor(R + R * (t - t0) / 60000)          (burst of R, then R/60 per second)
 *
 * Once the burst is spent (the first refusal, at t1) exactly one request is allowed per I ms, so
 *
 *   allowed in (t1, t2] = R / 60 * (t2 - t1) / 1000,  give or take one request at each end.
 *
 * The second is the sharper test: the burst is over in a few seconds and the per-second rate is
 * what a limiter gets wrong when its clock, its rounding or its write-back is off.
 */
import type { Sample } from './timed-load.ts';

export const WINDOW_MS = 60_000;

/** Requests allowed from a full allowance at t0 through t0 + ms, under constant pressure. */
export function expectedFromFull(rpm: number, ms: number): number {
  return rpm + (rpm * ms) / WINDOW_MS;
}

/** Requests allowed over `ms` once the burst is spent: R/60 per second. */
export function expectedSteady(rpm: number, ms: number): number {
  return (rpm * ms) / WINDOW_MS;
}

export interface LimiterAccuracy {
  readonly allowed: number;
  readonly denied: number;
  /** Neither 200 nor 429. */
  readonly other: number;
  /** From the first decision to the last. */
  readonly wholeSeconds: number;
  /** The whole run: R + R * (last - first) / 60000. */
  readonly expectedWhole: number;
  readonly errorPctWhole: number;
  /** From the first refusal to the last answer. */
  readonly steadySeconds: number;
  readonly allowedSteady: number;
  readonly expectedSteady: number;
  readonly errorPctSteady: number;
}

/**
 * The Limiter decides somewhere between a request's send and its answer; the midpoint stands for
 * that instant (off by half a round trip, ~1 ms, against an emission interval of 50 ms at R = 1200).
 */
const decidedAt = (s: Sample) => (s.sentMs + s.doneMs) / 2;

export function limiterAccuracy(rpm: number, samples: readonly Sample[]): LimiterAccuracy {
  if (samples.length === 0) throw new Error('limiterAccuracy: no samples');
  const times = samples.map(decidedAt);
  const first = Math.min(...times);
  const last = Math.max(...times);
  const allowed = samples.filter((s) => s.status === 200);
  const denied = samples.filter((s) => s.status === 429);
  const firstDenial = Math.min(...denied.map(decidedAt));
  if (!Number.isFinite(firstDenial)) throw new Error('limiterAccuracy: nothing was refused');
  const allowedSteady = allowed.filter((s) => decidedAt(s) > firstDenial).length;
  const expectedWhole = expectedFromFull(rpm, last - first);
  const expectedSteadyCount = expectedSteady(rpm, last - firstDenial);
  const pct = (got: number, want: number) => (100 * (got - want)) / want;
  return {
    allowed: allowed.length,
    denied: denied.length,
    other: samples.length - allowed.length - denied.length,
    wholeSeconds: (last - first) / 1000,
    expectedWhole,
    errorPctWhole: pct(allowed.length, expectedWhole),
    steadySeconds: (last - firstDenial) / 1000,
    allowedSteady,
    expectedSteady: expectedSteadyCount,
    errorPctSteady: pct(allowedSteady, expectedSteadyCount),
  };
}
