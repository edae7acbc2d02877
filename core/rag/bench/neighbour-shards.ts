// Where a query's exact neighbours live: the routing studies' oracle. A router that visits b shards
// recalls at most what the b shards holding most of the neighbours hold.

/** The shard of every row, from each shard's member rows. */
export function shardOfRows(members: readonly (readonly number[])[], rows: number): Int32Array {
  const out = new Int32Array(rows).fill(-1);
  members.forEach((m, s) => {
    for (const r of m) out[r] = s;
  });
  return out;
}

/** How many of query q's k exact neighbours (ids[q·k …]) each shard holds. */
export function neighbourCounts(
  ids: ArrayLike<number>,
  q: number,
  k: number,
  shardOf: Int32Array,
): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < k; i++) {
    const s = shardOf[ids[q * k + i]!]!;
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return counts;
}

/** Neighbours held by the b fullest shards. */
export function heldByFullest(counts: ReadonlyMap<number, number>, b: number): number {
  return [...counts.values()]
    .sort((x, y) => y - x)
    .slice(0, b)
    .reduce((a, c) => a + c, 0);
}
