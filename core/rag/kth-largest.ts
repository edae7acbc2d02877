// The k-th largest of n numbers in O(n) on average (Hoare's quickselect, median-of-three pivot),
// for a pruning threshold that is recomputed often over many candidates.

/** The k-th largest (k from 1) of values[0..n); reorders that prefix. */
export function kthLargest(values: Float64Array, n: number, k: number): number {
  if (!(k >= 1 && k <= n)) throw new RangeError(`k must be in 1..${n}, got ${k}`);
  const target = k - 1; // its index once the prefix is sorted in descending order
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const a = values[lo]!;
    const b = values[(lo + hi) >>> 1]!;
    const c = values[hi]!;
    const pivot = a > b ? (b > c ? b : a > c ? c : a) : a > c ? a : b > c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! > pivot) i++;
      while (values[j]! < pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    // Now [lo, j] >= pivot >= [i, hi], and everything strictly between j and i equals the pivot.
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return pivot;
  }
  return values[target]!;
}
