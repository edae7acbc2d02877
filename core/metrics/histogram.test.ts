import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS_S } from './catalogue.ts';
import { bucketOf, emptyBuckets, quantileOf } from './histogram.ts';

describe('latency histogram', () => {
  it('puts a value on a bound in that bound, and past the last in +Inf', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(0.005)).toBe(0);
    expect(bucketOf(0.0051)).toBe(1);
    expect(bucketOf(120)).toBe(LATENCY_BUCKETS_S.length - 1);
    expect(bucketOf(121)).toBe(LATENCY_BUCKETS_S.length);
  });

  it('has no quantile without samples', () => {
    expect(quantileOf(emptyBuckets(), 0.99)).toBeNull();
  });

  it('estimates each quantile inside the bucket that holds the exact one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(0.5, 0.9, 0.95, 0.99),
        (values, q) => {
          const buckets = emptyBuckets();
          for (const v of values) buckets[bucketOf(v)] = (buckets[bucketOf(v)] ?? 0) + 1;
          const sorted = [...values].sort((a, b) => a - b);
          const exact = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
          const slot = bucketOf(exact);
          const lower = slot === 0 ? 0 : (LATENCY_BUCKETS_S[slot - 1] ?? 0);
          const upper = LATENCY_BUCKETS_S[slot] ?? Infinity;
          const estimate = quantileOf(buckets, q) ?? -1;
          expect(estimate).toBeGreaterThanOrEqual(lower);
          expect(estimate).toBeLessThanOrEqual(upper);
        },
      ),
    );
  });
});
