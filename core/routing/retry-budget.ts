/**
 * A retry budget: retries may be at most `ratio` of the requests seen over a sliding window, plus
 * a small reserve (`minPerSecond` over the window) so a quiet edge can still retry. When every
 * backend fails, each request then costs at most 1 + ratio attempts instead of 1 + maxRetries,
 * so retries cannot multiply an outage. Pure: the caller passes the time.
 *
 * The window slides in `buckets` steps: counts live in buckets of windowMs / buckets and a bucket
 * is dropped once it is a whole window old.
 */

export interface RetryBudgetOptions {
  readonly ratio: number;
  readonly minPerSecond: number;
  readonly windowMs: number;
  readonly buckets: number;
}

export const DEFAULT_RETRY_BUDGET: RetryBudgetOptions = {
  ratio: 0.2,
  minPerSecond: 1,
  windowMs: 10_000,
  buckets: 10,
};

interface Bucket {
  /** floor(time / bucket length): which slice of time it counts. */
  readonly slot: number;
  readonly requests: number;
  readonly retries: number;
}

export interface RetryBudget {
  /** Oldest first; only slots inside the window. */
  readonly buckets: readonly Bucket[];
}

export const EMPTY_RETRY_BUDGET: RetryBudget = { buckets: [] };

function slotOf(now: number, options: RetryBudgetOptions): number {
  return Math.floor(now / (options.windowMs / options.buckets));
}

/** Drops buckets that left the window and makes sure the current one exists (last). */
function roll(budget: RetryBudget, now: number, options: RetryBudgetOptions): Bucket[] {
  const slot = slotOf(now, options);
  // A clock stepping back lands in the newest bucket rather than reopening an old one.
  const newest = budget.buckets.at(-1);
  const current = newest && newest.slot > slot ? newest.slot : slot;
  const kept = budget.buckets.filter((b) => b.slot > current - options.buckets);
  if (kept.at(-1)?.slot !== current) kept.push({ slot: current, requests: 0, retries: 0 });
  return kept;
}

function bumpLast(buckets: Bucket[], requests: number, retries: number): RetryBudget {
  const last = buckets.pop();
  if (!last) return { buckets };
  buckets.push({
    slot: last.slot,
    requests: last.requests + requests,
    retries: last.retries + retries,
  });
  return { buckets };
}

/** Counts a first attempt (a client's request); it earns `ratio` of a retry. */
export function recordRequest(
  budget: RetryBudget,
  now: number,
  options: RetryBudgetOptions = DEFAULT_RETRY_BUDGET,
): RetryBudget {
  return bumpLast(roll(budget, now, options), 1, 0);
}

/** Retries the window still allows at `now` (may be fractional). */
export function retriesAvailable(
  budget: RetryBudget,
  now: number,
  options: RetryBudgetOptions = DEFAULT_RETRY_BUDGET,
): number {
  const buckets = roll(budget, now, options);
  let requests = 0;
  let retries = 0;
  for (const b of buckets) {
    requests += b.requests;
    retries += b.retries;
  }
  const reserve = (options.minPerSecond * options.windowMs) / 1000;
  return Math.max(0, options.ratio * requests + reserve - retries);
}

/** Spends one retry if the budget has it; a refused retry changes nothing. */
export function tryRetry(
  budget: RetryBudget,
  now: number,
  options: RetryBudgetOptions = DEFAULT_RETRY_BUDGET,
): { readonly allowed: boolean; readonly budget: RetryBudget } {
  if (retriesAvailable(budget, now, options) < 1) return { allowed: false, budget };
  return { allowed: true, budget: bumpLast(roll(budget, now, options), 0, 1) };
}
