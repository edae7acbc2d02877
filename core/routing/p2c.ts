/**
 * Power of two choices: sample two distinct candidates at random and take the cheaper. Nearly as
 * good as always taking the global best, without every router herding onto the same backend
 * from the same stale load report.
 */

export interface P2cPick<T> {
  readonly chosen: T;
  /** What was compared (one item when there was only one). */
  readonly sampled: readonly T[];
}

/** An index in [0, n) from a float in [0, 1), safe against a random() that returns 1. */
function indexOf(r: number, n: number): number {
  return Math.min(n - 1, Math.max(0, Math.floor(r * n)));
}

/** Ties keep the first sample, so the outcome depends only on `random`. */
export function powerOfTwoChoices<T>(
  items: readonly T[],
  cost: (item: T) => number,
  random: () => number,
): P2cPick<T> | undefined {
  if (items.length <= 1) {
    const only = items[0];
    return only === undefined ? undefined : { chosen: only, sampled: [only] };
  }
  const i = indexOf(random(), items.length);
  // The second index skips the first, so the two samples are distinct.
  let j = indexOf(random(), items.length - 1);
  if (j >= i) j++;
  const a = items[i];
  const b = items[j];
  if (a === undefined || b === undefined) return undefined;
  return { chosen: cost(b) < cost(a) ? b : a, sampled: [a, b] };
}
