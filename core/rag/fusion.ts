// Reciprocal rank fusion (Cormack et al. 2009): score = Σ weight / (k + rank), rank 1-based. It needs
// no score calibration between the vector and BM25 rankings, only their orders.

export interface FuseOptions<K> {
  /** Damping constant; 60 in the paper. Larger flattens the advantage of the top ranks. */
  readonly k?: number;
  /** One per list (default 1 each). */
  readonly weights?: readonly number[];
  /** What makes two items the same; default the item itself (strings and numbers by value). */
  readonly keyOf?: (item: K) => unknown;
}

export interface Fused<K> {
  /** The item as it first appeared (best rank first, earlier list first). */
  readonly item: K;
  readonly score: number;
  /** Per list, the item's 1-based rank there, or null when absent. */
  readonly ranks: (number | null)[];
}

export const RRF_K = 60;

/**
 * All items of all lists, best fused score first. Ties go to the better best rank, then to the
 * earlier list. A repeat within one list keeps its first rank.
 */
export function fuseRanks<K>(
  lists: readonly (readonly K[])[],
  options: FuseOptions<K> = {},
): Fused<K>[] {
  const k = options.k ?? RRF_K;
  const weights = options.weights ?? lists.map(() => 1);
  const keyOf = options.keyOf ?? ((item: K): unknown => item);
  if (!(Number.isFinite(k) && k >= 0))
    throw new RangeError(`RRF k must be finite and >= 0, got ${k}`);
  if (weights.length !== lists.length || !weights.every((w) => Number.isFinite(w) && w >= 0)) {
    throw new RangeError(`RRF needs one finite non-negative weight per list (${lists.length})`);
  }

  const byKey = new Map<unknown, { item: K; score: number; ranks: (number | null)[] }>();
  const longest = Math.max(0, ...lists.map((l) => l.length));
  // Rank-major order, so the first time an item is met is its best rank (earliest list on ties).
  for (let r = 0; r < longest; r++) {
    lists.forEach((list, l) => {
      if (r >= list.length) return;
      const item = list[r]!;
      const key = keyOf(item);
      let entry = byKey.get(key);
      if (!entry) {
        entry = { item, score: 0, ranks: lists.map(() => null) };
        byKey.set(key, entry);
      }
      if (entry.ranks[l] !== null) return;
      entry.ranks[l] = r + 1;
      entry.score += weights[l]! / (k + r + 1);
    });
  }
  // Array sort is stable: equal scores stay in first-met order.
  return [...byKey.values()].sort((a, b) => b.score - a.score);
}
