import { LATENCY_BUCKETS_S } from './catalogue.ts';

/** Bucket counts for LATENCY_BUCKETS_S, not cumulative; the last slot is +Inf. */
export type BucketCounts = number[];

export function emptyBuckets(): BucketCounts {
  return new Array<number>(LATENCY_BUCKETS_S.length + 1).fill(0);
}

/** The slot of a value in seconds: the first bucket whose upper bound holds it. */
export function bucketOf(seconds: number): number {
  for (let i = 0; i < LATENCY_BUCKETS_S.length; i++) {
    if (seconds <= (LATENCY_BUCKETS_S[i] ?? Infinity)) return i;
  }
  return LATENCY_BUCKETS_S.length;
}

export function addInto(target: BucketCounts, source: readonly number[]): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] ?? 0) + (source[i] ?? 0);
}

/**
 * The q-quantile in seconds, interpolated inside its bucket as Prometheus' histogram_quantile
 * does; the +Inf bucket answers the largest finite bound. Null with no sample.
 */
export function quantileOf(buckets: readonly number[], q: number): number | null {
  let total = 0;
  for (const c of buckets) total += c;
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const count = buckets[i] ?? 0;
    if (count > 0 && seen + count >= rank) {
      const upper = LATENCY_BUCKETS_S[i];
      if (upper === undefined) return LATENCY_BUCKETS_S[LATENCY_BUCKETS_S.length - 1] ?? null;
      const lower = i === 0 ? 0 : (LATENCY_BUCKETS_S[i - 1] ?? 0);
      return lower + (upper - lower) * ((rank - seen) / count);
    }
    seen += count;
  }
  return null;
}
