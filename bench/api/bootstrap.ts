/**
 * Paired bootstrap: resample whole rounds (each round holds one sample of every kind, taken
 * back to back), so machine noise shared within a round stays paired in every resample.
 */
import { seededRng } from '@proxima/core/lsh';
import { percentile } from '../gateway/stats.ts';

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/**
 * The central 95 % of `statistic` over `resamples` bootstrap resamples of paired rounds.
 * `a[i]` and `b[i]` belong to round i; both arrays must have the same length.
 */
export function pairedBootstrap(
  a: readonly number[],
  b: readonly number[],
  statistic: (a: readonly number[], b: readonly number[]) => number,
  seed: number,
  resamples = 2000,
): Interval {
  if (a.length !== b.length || a.length === 0)
    throw new Error(`pairedBootstrap: need equal, non-empty samples (${a.length}, ${b.length})`);
  const rng = seededRng(seed);
  const stats: number[] = [];
  const ra = new Array<number>(a.length);
  const rb = new Array<number>(b.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < a.length; i++) {
      const j = Math.floor(rng.next() * a.length);
      ra[i] = a[j]!;
      rb[i] = b[j]!;
    }
    stats.push(statistic(ra, rb));
  }
  return { low: percentile(stats, 2.5), high: percentile(stats, 97.5) };
}

export const median = (xs: readonly number[]): number => percentile(xs, 50);

/** p50(a) − p50(b). */
export const p50Difference = (a: readonly number[], b: readonly number[]): number =>
  median(a) - median(b);

/** p50(a) / p50(b). */
export const p50Ratio = (a: readonly number[], b: readonly number[]): number =>
  median(a) / median(b);
