// npm run bench:lsh — recall@10 against exact brute force, queries/s, build time and memory of the
// LSH index and of the combined partitioning (k-means cells + SimHash sketches + int8 re-rank), on
// clustered synthetic vectors and on lexical embeddings of Debian's man pages, next to hnswlib-node
// (M=16, efConstruction=200, ef swept) on the same vectors. The final line is JSON.
import {
  chooseCells,
  chooseParams,
  IvfIndex,
  LshIndex,
  randomHyperplanes,
  seededRng,
  trainCentroids,
  type Hits,
  type LshParams,
  type VectorKernels,
} from '@proxima/core/lsh';
import { loadKernelsSync } from '../src/node.ts';
import { manPageSet, syntheticSet, type VectorSet } from './datasets.ts';
import { interpolatedQps, runHnsw, qpsAtRecall, type HnswPoint } from './hnsw.ts';
import { bruteForce, recallAtK } from './truth.ts';
import { stopwatch } from './timing.ts';

const N = Number(process.env['LSH_BENCH_N'] ?? 100_000);
const NQ = Number(process.env['LSH_BENCH_QUERIES'] ?? 1000);
const DIM = 256;
const K = 10;
const TARGET = 0.95;

interface Point {
  readonly method: string;
  readonly config: string;
  readonly recall: number;
  /** Queries per CPU second (see timing.ts); wallQps is the wall-clock figure on this shared box. */
  readonly qps: number;
  readonly wallQps: number;
  readonly candidates: number;
}

const kernels = loadKernelsSync({ maxMemoryBytes: 1024 * 1024 * 1024 });
const log = (s: string): void => console.log(s);
const mb = (b: number): string => `${(b / 1048576).toFixed(1)} MB`;

function timeQueries(
  set: VectorSet,
  search: (q: Float32Array) => Hits,
  candidates: () => number,
): { results: number[][]; qps: number; wallQps: number; candidates: number } {
  const nq = set.queries.length / DIM;
  const q = (i: number): Float32Array => set.queries.subarray(i * DIM, i * DIM + DIM);
  for (let i = 0; i < Math.min(30, nq); i++) search(q(i));
  const results: number[][] = [];
  let cand = 0;
  let done = 0;
  const lap = stopwatch();
  // Whole passes over the queries until ≥ 0.4 s, so short runs are not dominated by noise.
  do {
    for (let i = 0; i < nq; i++) {
      const ids = search(q(i)).ids;
      if (done === 0) {
        results.push(ids);
        cand += candidates();
      }
    }
    done++;
  } while (lap().wall < 0.4);
  const t = lap();
  return {
    results,
    qps: (nq * done) / t.cpu,
    wallQps: (nq * done) / t.wall,
    candidates: cand / nq,
  };
}

function benchLsh(
  set: VectorSet,
  recallOf: (r: number[][]) => number,
  points: Point[],
): Record<string, number> {
  const n = set.data.length / DIM;
  const rule = {
    ...chooseParams(n, DIM, { recall: TARGET, similarity: 0.8, probes: 8 }),
    keepF32: true,
  };
  log(`  LSH rule for n=${n}: k=${rule.bits} bits, L=${rule.tables} tables (s=0.8, probes=8)`);
  const configs: LshParams[] = [rule, { ...rule, tables: Math.min(64, rule.tables * 2) }];
  const build: Record<string, number> = {};
  for (const params of configs) {
    const planes = randomHyperplanes(seededRng(7), params.tables * params.bits, DIM);
    const t0 = performance.now();
    const index = new LshIndex(params, planes, kernels);
    for (let r = 0; r < n; r++) index.insert(r, set.data.subarray(r * DIM, r * DIM + DIM));
    const ms = performance.now() - t0;
    const { buckets, maxBucket } = index.bucketStats();
    log(
      `  LSH L=${params.tables} k=${params.bits}: build ${(ms / 1000).toFixed(1)} s, ~${mb(index.memoryBytes())}, ` +
        `${buckets} buckets (max ${maxBucket})`,
    );
    build[`lsh_L${params.tables}_build_ms`] = Math.round(ms);
    build[`lsh_L${params.tables}_bytes`] = index.memoryBytes();
    for (const probes of [0, 4, 16, 64, 256]) {
      const p = measure(
        set,
        recallOf,
        points,
        { method: 'lsh', config: `L=${params.tables} k=${params.bits} probes=${probes}` },
        (q) => index.search(q, K, { probes }),
        () => index.lastStats.candidates,
      );
      if (p.recall >= 0.99 || p.qps < 100) break;
    }
  }
  return build;
}

function benchIvf(
  set: VectorSet,
  recallOf: (r: number[][]) => number,
  points: Point[],
): Record<string, number> {
  const n = set.data.length / DIM;
  const nlist = chooseCells(n);
  const sample = Math.min(n, 40 * nlist);
  const t0 = performance.now();
  const centroids = trainCentroids(
    kernels,
    set.data.subarray(0, sample * DIM),
    DIM,
    nlist,
    8,
    seededRng(3),
  );
  const trainMs = performance.now() - t0;
  const sketch = { planes: randomHyperplanes(seededRng(5), 128, DIM), bits: 128, rerank: 0 };
  const index = new IvfIndex({ dim: DIM, nprobe: 16, sketch, keepF32: true }, centroids, kernels);
  const ids = Uint32Array.from({ length: n }, (_, i) => i);
  const t1 = performance.now();
  index.insertMany(ids, set.data);
  const insertMs = performance.now() - t1;
  const sizes = index.cellSizes();
  log(
    `  IVF+sketch: ${nlist} cells (k-means on ${sample} rows: ${(trainMs / 1000).toFixed(1)} s), insert ` +
      `${(insertMs / 1000).toFixed(1)} s, ~${mb(index.memoryBytes())}, cell sizes ${Math.min(...sizes)}–${Math.max(...sizes)}`,
  );
  for (const nprobe of [4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 160, 192, 256]) {
    const p = measure(
      set,
      recallOf,
      points,
      { method: 'ivf', config: `cells=${nlist} nprobe=${nprobe}` },
      (q) => index.search(q, K, { nprobe, rerank: 0 }),
      () => index.lastStats.candidates,
    );
    if (p.recall >= 0.99) break;
  }
  for (const [nprobe, rerank] of [
    [32, 1000],
    [128, 4000],
  ] as const) {
    measure(
      set,
      recallOf,
      points,
      {
        method: 'ivf+simhash',
        config: `cells=${nlist} nprobe=${nprobe} sketch=128b rerank=${rerank}`,
      },
      (q) => index.search(q, K, { nprobe, rerank }),
      () => index.lastStats.scored,
    );
  }
  return {
    ivf_train_ms: Math.round(trainMs),
    ivf_insert_ms: Math.round(insertMs),
    ivf_build_ms: Math.round(trainMs + insertMs),
    ivf_bytes: index.memoryBytes(),
  };
}

/** Times one configuration, records its point and prints it. */
function measure(
  set: VectorSet,
  recallOf: (r: number[][]) => number,
  points: Point[],
  label: { method: string; config: string },
  search: (q: Float32Array) => Hits,
  candidates: () => number,
): Point {
  const r = timeQueries(set, search, candidates);
  const p: Point = {
    ...label,
    recall: recallOf(r.results),
    qps: r.qps,
    wallQps: r.wallQps,
    candidates: r.candidates,
  };
  points.push(p);
  report(p);
  return p;
}

function report(p: Point): void {
  log(
    `    ${p.method.padEnd(12)} ${p.config.padEnd(44)} recall@10 ${p.recall.toFixed(4)}  ${p.qps.toFixed(0).padStart(6)} q/s (wall ${p.wallQps.toFixed(0)})  ` +
      `${p.candidates.toFixed(0)} scored/query`,
  );
}

/** Fastest point at or above the target, else the most accurate one. */
function pick(points: readonly Point[]): Point {
  const ok = points.filter((p) => p.recall >= TARGET);
  if (ok.length > 0) return ok.reduce((a, b) => (b.qps > a.qps ? b : a));
  return points.reduce((a, b) => (b.recall > a.recall ? b : a));
}

function benchSet(set: VectorSet): Record<string, unknown> {
  log(`\n== ${set.name}: ${set.note}`);
  const t0 = performance.now();
  const truth = bruteForce(kernels, set.data, set.queries, DIM, K);
  log(
    `  exact brute force for ${set.queries.length / DIM} queries: ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const recallOf = (r: number[][]): number => recallAtK(truth, set.data, set.queries, DIM, r);
  const points: Point[] = [];
  const lshBuild = benchLsh(set, recallOf, points);
  const ivfBuild = benchIvf(set, recallOf, points);
  log('  hnswlib-node M=16 efConstruction=200:');
  const hnsw = runHnsw(set, K, recallOf, [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384]);
  log(`    build ${(hnsw.buildMs / 1000).toFixed(1)} s, rss +${mb(hnsw.rssBytes)}`);
  for (const h of hnsw.points)
    log(
      `    hnsw ef=${String(h.ef).padEnd(4)} recall@10 ${h.recall.toFixed(4)}  ${h.qps.toFixed(0).padStart(6)} q/s (wall ${h.wallQps.toFixed(0)})`,
    );
  const best = pick(points);
  const bestLsh = pick(points.filter((p) => p.method === 'lsh'));
  // "Same recall": hnswlib's q/s interpolated to our recall between the bracketing ef settings (the
  // fairer figure, used for the ratio); the fastest measured ef at ≥ that recall is shown too.
  const h: HnswPoint | null = qpsAtRecall(hnsw.points, best.recall);
  const hq = interpolatedQps(hnsw.points, best.recall);
  const ratio = hq ? best.qps / hq : null;
  log(
    `  best: ${best.method} ${best.config}: recall@10 ${best.recall.toFixed(4)} at ${best.qps.toFixed(0)} q/s; ` +
      (hq && h
        ? `hnswlib at that recall ≈ ${hq.toFixed(0)} q/s (interpolated; fastest measured at ≥ it: ef=${h.ef}, ` +
          `${h.recall.toFixed(4)} at ${h.qps.toFixed(0)} q/s) → ratio ${ratio!.toFixed(2)}`
        : 'hnswlib never reached that recall in the sweep'),
  );
  log(
    `  plain multi-probe SimHash best: ${bestLsh.config}: recall@10 ${bestLsh.recall.toFixed(4)} at ${bestLsh.qps.toFixed(0)} q/s`,
  );
  const hLsh = interpolatedQps(hnsw.points, bestLsh.recall);
  const goal = best.recall >= TARGET && ratio !== null && ratio >= 0.5;
  log(`  goal recall@10 ≥ ${TARGET} at ≥ 0.5× hnswlib q/s: ${goal ? 'met' : 'NOT met'}`);
  return {
    set: set.name,
    n: set.data.length / DIM,
    queries: set.queries.length / DIM,
    dim: DIM,
    method: best.method,
    config: best.config,
    recall_at_10: round(best.recall, 4),
    qps: Math.round(best.qps),
    wall_qps: Math.round(best.wallQps),
    hnsw_qps_same_recall: hq ? Math.round(hq) : null,
    hnsw_measured_at_or_above: h
      ? { ef: h.ef, recall: round(h.recall, 4), qps: Math.round(h.qps) }
      : null,
    qps_ratio: ratio === null ? null : round(ratio, 3),
    goal_met: goal,
    lsh_only: {
      config: bestLsh.config,
      recall_at_10: round(bestLsh.recall, 4),
      qps: Math.round(bestLsh.qps),
      hnsw_qps_same_recall: hLsh ? Math.round(hLsh) : null,
      qps_ratio: hLsh ? round(bestLsh.qps / hLsh, 3) : null,
    },
    build_ms: { ...lshBuild, ...ivfBuild, hnsw_build_ms: Math.round(hnsw.buildMs) },
    memory_bytes: { ivf: ivfBuild['ivf_bytes'], hnsw_rss_delta: hnsw.rssBytes },
    hnsw_points: hnsw.points.map((p) => ({
      ef: p.ef,
      recall: round(p.recall, 4),
      qps: Math.round(p.qps),
    })),
  };
}

function round(x: number, d: number): number {
  return Math.round(x * 10 ** d) / 10 ** d;
}

function main(k: VectorKernels): void {
  log(
    `bench:lsh — n=${N}, ${NQ} queries, dim ${DIM}, k=${K}, kernels ${k.name}, node ${process.version}; ` +
      'q/s is per CPU second of this process (single-threaded searches; the machine is shared), wall q/s beside it',
  );
  const started = performance.now();
  const sets = [benchSet(syntheticSet(N, NQ, DIM, 1)), benchSet(manPageSet(N, NQ, DIM, 2))];
  // The headline is the weaker of the two sets (lowest ratio), so it cannot flatter.
  const headline = sets.reduce((a, b) =>
    ((b['qps_ratio'] as number | null) ?? -1) < ((a['qps_ratio'] as number | null) ?? -1) ? b : a,
  );
  log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log(
    JSON.stringify({
      recall_at_10: headline['recall_at_10'],
      qps: headline['qps'],
      hnsw_qps_same_recall: headline['hnsw_qps_same_recall'],
      qps_ratio: headline['qps_ratio'],
      headline_set: headline['set'],
      goal_met: sets.every((s) => s['goal_met'] === true),
      sets,
    }),
  );
}

main(kernels);
