// Tuning a search knob (multi-probe count, cells probed) toward a recall target on a sample with
// known exact neighbours. Pure: the caller runs the searches; this only decides what to try.

export interface TunePoint {
  readonly level: number;
  readonly recall: number;
}

/**
 * The smallest level whose recall reaches target, by binary search over ascending levels (recall
 * grows with the level: more probes, more cells). Returns the best level tried when none reaches
 * it. recallAt is called O(log levels.length) times.
 */
export function tuneToRecall(
  levels: readonly number[],
  target: number,
  recallAt: (level: number) => number,
): { chosen: TunePoint; tried: TunePoint[] } {
  const tried: TunePoint[] = [];
  const measure = (i: number): TunePoint => {
    const p = { level: levels[i]!, recall: recallAt(levels[i]!) };
    tried.push(p);
    return p;
  };
  let lo = 0;
  let hi = levels.length - 1;
  let best: TunePoint | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const p = measure(mid);
    if (p.recall >= target) {
      best = p;
      hi = mid - 1;
    } else {
      lo = mid + 1;
    }
  }
  const fallback = tried.reduce(
    (a, b) => (b.recall > a.recall ? b : a),
    tried[0] ?? { level: NaN, recall: 0 },
  );
  return { chosen: best ?? fallback, tried };
}

/** recall@k of result id lists against exact id lists (order ignored). */
export function recallOf(
  results: readonly (readonly number[])[],
  exact: readonly (readonly number[])[],
  k: number,
): number {
  let hit = 0;
  for (let q = 0; q < results.length; q++) {
    const truth = new Set(exact[q]!.slice(0, k));
    for (const id of results[q]!.slice(0, k)) if (truth.has(id)) hit++;
  }
  return results.length === 0 ? 1 : hit / (results.length * k);
}

/** Cells for an IVF index of n vectors: 2·√n, so a cell holds ~√n/2 rows (docs/design/0022). */
export function chooseCells(n: number): number {
  return Math.max(1, Math.round(2 * Math.sqrt(Math.max(1, n))));
}
