// hnswlib-node as the reference ANN: same vectors, M=16, efConstruction=200, sweeping ef.
import hnswlib from 'hnswlib-node';
import type { VectorSet } from './datasets.ts';
import { stopwatch } from './timing.ts';

export interface HnswPoint {
  readonly ef: number;
  readonly recall: number;
  /** Queries per CPU second of this process. */
  readonly qps: number;
  readonly wallQps: number;
}

export interface HnswRun {
  readonly buildMs: number;
  readonly rssBytes: number;
  readonly points: HnswPoint[];
}

export function runHnsw(
  set: VectorSet,
  k: number,
  recallOf: (results: number[][]) => number,
  efs: readonly number[],
): HnswRun {
  const { dim, data } = set;
  const n = data.length / dim;
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const index = new hnswlib.HierarchicalNSW('ip', dim); // unit rows: inner product = cosine
  index.initIndex(n, 16, 200, 100);
  for (let r = 0; r < n; r++) index.addPoint(Array.from(data.subarray(r * dim, r * dim + dim)), r);
  const buildMs = performance.now() - t0;
  const rssBytes = process.memoryUsage().rss - rss0;
  const nq = set.queries.length / dim;
  // Converted once, outside the timed loop: the number[] API cost is not hnswlib's search cost.
  const qs = Array.from({ length: nq }, (_, q) =>
    Array.from(set.queries.subarray(q * dim, q * dim + dim)),
  );
  const points: HnswPoint[] = [];
  for (const ef of efs) {
    index.setEf(ef);
    for (let q = 0; q < Math.min(50, nq); q++) index.searchKnn(qs[q]!, k);
    const lap = stopwatch();
    const results = qs.map((q) => index.searchKnn(q, k).neighbors);
    let done = 1;
    // Same rule as ours: whole passes until ≥ 0.4 s; q/s per CPU second (see timing.ts).
    while (lap().wall < 0.4) {
      for (const q of qs) index.searchKnn(q, k);
      done++;
    }
    const t = lap();
    points.push({
      ef,
      recall: recallOf(results),
      qps: (nq * done) / t.cpu,
      wallQps: (nq * done) / t.wall,
    });
  }
  return { buildMs, rssBytes, points };
}

/** hnswlib's best queries/s among settings at least as accurate as `recall` (null if none is). */
export function qpsAtRecall(points: readonly HnswPoint[], recall: number): HnswPoint | null {
  let best: HnswPoint | null = null;
  for (const p of points) if (p.recall >= recall && (!best || p.qps > best.qps)) best = p;
  return best;
}

/**
 * hnswlib's queries/s at exactly `recall`, interpolated (log qps, linear in recall) between the two
 * ef settings that bracket it; the sweep's measured point when one matches. null outside the sweep.
 */
export function interpolatedQps(points: readonly HnswPoint[], recall: number): number | null {
  const sorted = [...points].sort((a, b) => a.recall - b.recall);
  for (let i = 0; i < sorted.length; i++) {
    const hi = sorted[i]!;
    if (hi.recall < recall) continue;
    const lo = sorted[i - 1];
    if (!lo || hi.recall === lo.recall) return hi.qps;
    const t = (recall - lo.recall) / (hi.recall - lo.recall);
    return Math.exp(Math.log(lo.qps) + t * (Math.log(hi.qps) - Math.log(lo.qps)));
  }
  return null;
}
