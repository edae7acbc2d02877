import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_RETRY_BUDGET,
  recordRequest,
  retriesAvailable,
  tryRetry,
  type RetryBudget,
  type RetryBudgetOptions,
} from './retry-budget.ts';

const T0 = 1_790_000_000_000;
const opts: RetryBudgetOptions = { ratio: 0.2, minPerSecond: 1, windowMs: 10_000, buckets: 10 };
const RESERVE = 10; // 1 per second over 10 s

/** A total outage: every attempt fails and the caller retries while the budget lets it. */
function outage(
  arrivals: readonly number[],
  maxRetriesPerRequest: number,
  o: RetryBudgetOptions,
): { attempts: number; budget: RetryBudget } {
  let budget = EMPTY_RETRY_BUDGET;
  let attempts = 0;
  for (const at of arrivals) {
    budget = recordRequest(budget, at, o);
    attempts++;
    for (let r = 0; r < maxRetriesPerRequest; r++) {
      const t = tryRetry(budget, at, o);
      budget = t.budget;
      if (!t.allowed) break;
      attempts++;
    }
  }
  return { attempts, budget };
}

describe('retry budget', () => {
  it('allows the reserve with no traffic, then nothing more', () => {
    expect(retriesAvailable(EMPTY_RETRY_BUDGET, T0, opts)).toBe(RESERVE);
    let budget = EMPTY_RETRY_BUDGET;
    for (let i = 0; i < RESERVE; i++) {
      const t = tryRetry(budget, T0, opts);
      expect(t.allowed).toBe(true);
      budget = t.budget;
    }
    const refused = tryRetry(budget, T0, opts);
    expect(refused.allowed).toBe(false);
    expect(refused.budget).toBe(budget);
  });

  it('earns ratio of a retry per request', () => {
    let budget = EMPTY_RETRY_BUDGET;
    for (let i = 0; i < 100; i++) budget = recordRequest(budget, T0, opts);
    expect(retriesAvailable(budget, T0, opts)).toBeCloseTo(100 * 0.2 + RESERVE);
  });

  it('forgets requests and retries a window later', () => {
    let budget = EMPTY_RETRY_BUDGET;
    for (let i = 0; i < 100; i++) budget = recordRequest(budget, T0, opts);
    for (let i = 0; i < 30; i++) budget = tryRetry(budget, T0, opts).budget;
    expect(retriesAvailable(budget, T0 + 9_000, opts)).toBeCloseTo(0);
    expect(retriesAvailable(budget, T0 + 10_000, opts)).toBe(RESERVE);
    expect(budget.buckets.length).toBeLessThanOrEqual(opts.buckets);
  });

  it('keeps at most one window of buckets', () => {
    let budget = EMPTY_RETRY_BUDGET;
    for (let t = 0; t < 100_000; t += 333) budget = recordRequest(budget, T0 + t, opts);
    expect(budget.buckets.length).toBeLessThanOrEqual(opts.buckets);
  });

  it('counts a clock stepping back in the newest bucket', () => {
    const budget = recordRequest(recordRequest(EMPTY_RETRY_BUDGET, T0, opts), T0 - 60_000, opts);
    expect(budget.buckets).toHaveLength(1);
    expect(budget.buckets[0]?.requests).toBe(2);
  });

  it('a total outage in one window costs at most requests × (1 + ratio) + reserve attempts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(9_999), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 5 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 5 }),
        (offsets, maxRetries, ratio, minPerSecond) => {
          const o = { ...opts, ratio, minPerSecond };
          // Start on a window boundary so every arrival shares the window.
          const start = Math.ceil(T0 / o.windowMs) * o.windowMs;
          const arrivals = offsets.map((d) => start + d).sort((a, b) => a - b);
          const { attempts } = outage(arrivals, maxRetries, o);
          const n = arrivals.length;
          expect(attempts).toBeLessThanOrEqual(n * (1 + ratio) + minPerSecond * 10 + 1e-9);
        },
      ),
    );
  });

  it('over a long outage, every window stays within its budget (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(60_000), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 5 }),
        (offsets, maxRetries) => {
          const arrivals = offsets.map((d) => T0 + d).sort((a, b) => a - b);
          // Replays the outage, logging each allowed retry with its time, and checks each one
          // against an independent count over the buckets the window spans.
          let budget = EMPTY_RETRY_BUDGET;
          const bucketMs = opts.windowMs / opts.buckets;
          const requests: number[] = [];
          const retries: number[] = [];
          for (const at of arrivals) {
            budget = recordRequest(budget, at, opts);
            requests.push(at);
            for (let r = 0; r < maxRetries; r++) {
              const t = tryRetry(budget, at, opts);
              budget = t.budget;
              if (!t.allowed) break;
              retries.push(at);
              const from = (Math.floor(at / bucketMs) - opts.buckets + 1) * bucketMs;
              const inWindow = (xs: number[]) => xs.filter((x) => x >= from).length;
              expect(inWindow(retries)).toBeLessThanOrEqual(
                0.2 * inWindow(requests) + RESERVE + 1e-9,
              );
            }
          }
          // And overall: retries stay within the ratio plus one reserve per window spanned.
          const windows = Math.ceil(60_001 / opts.windowMs) + 1;
          expect(retries.length).toBeLessThanOrEqual(0.2 * requests.length + RESERVE * windows);
        },
      ),
    );
  });
});
