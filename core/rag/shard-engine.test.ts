import { describe, expect, it } from 'vitest';
import { referenceKernels } from '@proxima/wasm/reference';
import { chooseCells, LshError, recallOf, seededRng } from '../lsh/index.ts';
import { bruteForce, clustered, row } from '../lsh/testing.ts';
import {
  ShardEngine,
  type ShardEngineOptions,
  type ShardHit,
  type ShardSearchOptions,
} from './shard-engine.ts';

const kernels = referenceKernels;
const rowsOf = (hits: ShardHit[]): number[] => hits.map((h) => h.row);

function filled(options: ShardEngineOptions, data: Float32Array, n: number): ShardEngine {
  const engine = new ShardEngine(options);
  for (let r = 0; r < n; r++) engine.insert(r, row(data, options.dim, r));
  return engine;
}

function recallAgainstExact(
  engine: ShardEngine,
  queries: Float32Array,
  dim: number,
  options: ShardSearchOptions = {},
): number {
  const got: number[][] = [];
  const truth: number[][] = [];
  for (let q = 0; q < queries.length / dim; q++) {
    const v = row(queries, dim, q);
    got.push(rowsOf(engine.search(v, 10, options)));
    truth.push(rowsOf(engine.exactSearch(v, 10, options.accept)));
  }
  return recallOf(got, truth, 10);
}

describe('ShardEngine recall', () => {
  // 20 000 × 256 would take minutes of k-means with the TS reference kernels (~0.4 G MAC/s here),
  // so this set is 8 000 × 256: it trains at 2 048 and retrains at 4 096 on the way. 400 clusters
  // of spread 1.2 make top-10 lists cross cells (probing 2 cells misses neighbours).
  const dim = 256;
  const n = 8000;
  const rng = seededRng(101);
  const all = clustered(rng, n + 100, dim, 400, 1.2);
  const data = all.subarray(0, n * dim);
  const queries = all.subarray(n * dim);

  it('recall@10 ≥ 0.95 against exact search on clustered vectors', () => {
    const engine = filled({ dim, kernels, seed: 7 }, data, n);
    expect(engine.trained()?.trainedAt).toBe(4096);
    expect(engine.trained()?.centroids.length).toBe(chooseCells(4096) * dim);
    expect(recallAgainstExact(engine, queries, dim)).toBeGreaterThanOrEqual(0.95);
    expect(recallAgainstExact(engine, queries, dim, { nprobe: 2 })).toBeLessThan(0.95);
    engine.search(row(queries, dim, 0), 10);
    expect(engine.lastScored).toBeGreaterThan(0);
    // The default probes 70 % of the cells (a shard is small): fewer rows than an exact scan.
    expect(engine.lastScored).toBeLessThan(0.85 * n);
    engine.search(row(queries, dim, 0), 10, { exact: true });
    expect(engine.lastScored).toBe(n);
    // exactSearch is the ground truth over the stored codes: a stored vector finds itself, at the
    // cosine its int8 codes keep (within 10⁻⁴ of 1 at 256-d).
    for (const r of [0, 1234, n - 1]) {
      const [best] = engine.exactSearch(row(data, dim, r), 1);
      expect(best?.row).toBe(r);
      expect(best?.score).toBeCloseTo(1, 4);
    }
  }, 60_000);
});

describe('ShardEngine small and changing shards', () => {
  const dim = 32;
  const data = clustered(seededRng(5), 4000, dim, 20, 0.8);
  const options = { dim, kernels, seed: 3, trainAt: 512 };

  it('scans every row below trainAt and matches exact search', () => {
    const engine = filled(options, data, 300);
    expect(engine.trained()).toBeNull();
    for (let q = 0; q < 20; q++) {
      const v = row(data, dim, 3000 + q);
      expect(rowsOf(engine.search(v, 10))).toEqual(rowsOf(engine.exactSearch(v, 10)));
      // exactSearch ranks the stored int8 codes: against an f64 brute force over the raw vectors,
      // it may swap near ties only, so every row it returns scores within the quantisation error
      // (≤ √dim · max|x| / 254 ≈ 0.01 at 32-d) of the true 10th best.
      const truth = bruteForce(data.subarray(0, 300 * dim), dim, v, 10);
      const tenth = kernels.cosineF32(v, row(data, dim, truth[9]!));
      for (const r of rowsOf(engine.exactSearch(v, 10)))
        expect(kernels.cosineF32(v, row(data, dim, r))).toBeGreaterThan(tenth - 0.01);
    }
    expect(engine.search(row(data, dim, 0), 0)).toEqual([]);
    expect(engine.search(row(data, dim, 0), 500)).toHaveLength(300);
  });

  it('never returns deleted rows; re-insert after delete and update work', () => {
    const engine = filled(options, data, 2000);
    expect(engine.trained()).not.toBeNull();
    const deleted = new Set<number>();
    for (let r = 0; r < 2000; r += 3) {
      expect(engine.delete(r)).toBe(true);
      deleted.add(r);
    }
    expect(engine.delete(0)).toBe(false);
    expect(engine.size).toBe(2000 - deleted.size);
    expect(engine.has(0)).toBe(false);
    expect(engine.has(1)).toBe(true);
    // A deleted row's own vector is the query most likely to surface it.
    for (const r of [0, 3, 600, 1998]) {
      const v = row(data, dim, r);
      for (const hits of [engine.search(v, 20), engine.exactSearch(v, 20)])
        for (const h of hits) expect(deleted.has(h.row)).toBe(false);
    }
    // Re-insert a deleted row with another vector (an update): found by the new one.
    engine.insert(3, row(data, dim, 3500));
    expect(engine.search(row(data, dim, 3500), 1)[0]?.row).toBe(3);
    expect(engine.delete(3)).toBe(true);
    engine.insert(3, row(data, dim, 3600));
    expect(engine.search(row(data, dim, 3600), 1)[0]?.row).toBe(3);
    const seen = [...engine.rows()].map(([r]) => r);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(engine.size);
  });

  it('a filter accepting 1% of rows still returns k accepted rows', () => {
    const engine = filled(options, data, 4000);
    const accept = (r: number): boolean => r % 100 === 42;
    const got: number[][] = [];
    const truth: number[][] = [];
    for (let q = 0; q < 20; q++) {
      const v = row(data, dim, q * 7);
      const hits = engine.search(v, 10, { accept });
      expect(hits).toHaveLength(10);
      for (const h of hits) expect(accept(h.row)).toBe(true);
      got.push(rowsOf(hits));
      truth.push(rowsOf(engine.exactSearch(v, 10, accept)));
    }
    expect(recallOf(got, truth, 10)).toBeGreaterThanOrEqual(0.9);
    // Fewer accepted rows than k: all of them come back.
    const few = (r: number): boolean => r === 5 || r === 17;
    expect(rowsOf(engine.search(row(data, dim, 5), 10, { accept: few })).sort()).toEqual([17, 5]);
    // A broad filter is answered from the cells.
    const half = (r: number): boolean => r % 2 === 0;
    const queries = clustered(seededRng(6), 40, dim, 20, 0.8);
    expect(recallAgainstExact(engine, queries, dim, { accept: half })).toBeGreaterThanOrEqual(0.9);
  });

  it('retrains when the row count doubles and keeps results correct', () => {
    const engine = new ShardEngine(options);
    const queries = clustered(seededRng(9), 30, dim, 20, 0.8);
    for (let r = 0; r < 2048; r++) {
      engine.insert(r, row(data, dim, r));
      const t = engine.trained();
      if (r + 1 < 512) expect(t).toBeNull();
      else expect(t?.trainedAt).toBe(2 ** Math.floor(Math.log2(r + 1)));
      if (r + 1 === 511 || r + 1 === 1023 || r + 1 === 2048)
        expect(recallAgainstExact(engine, queries, dim)).toBeGreaterThanOrEqual(0.95);
    }
    expect(engine.trained()?.centroids.length).toBe(chooseCells(2048) * dim);
    expect(new Set([...engine.rows()].map(([r]) => r)).size).toBe(2048);
  });

  it('an engine built with persisted cells gives the same results without retraining', () => {
    const a = filled(options, data, 1500);
    const persisted = a.trained();
    expect(persisted?.trainedAt).toBe(1024);
    const b = new ShardEngine(options, {
      centroids: Float32Array.from(persisted!.centroids),
      trainedAt: persisted!.trainedAt,
    });
    for (let r = 0; r < 1500; r++) b.insert(r, row(data, dim, r));
    expect(b.trained()?.trainedAt).toBe(1024);
    expect(b.trained()?.centroids).toEqual(persisted!.centroids);
    for (let q = 0; q < 20; q++) {
      const v = row(data, dim, 2000 + q);
      expect(b.search(v, 10)).toEqual(a.search(v, 10));
    }
  });

  it('rows() returns unit vectors of every stored row, dequantized from its codes', () => {
    const engine = filled(options, data, 100);
    const got = new Map([...engine.rows()].map(([r, v]) => [r, Float32Array.from(v)]));
    expect(got.size).toBe(100);
    const v = got.get(42)!;
    let norm = 0;
    for (const x of v) norm += x * x;
    expect(norm).toBeCloseTo(1, 4);
    expect(kernels.cosineF32(v, row(data, dim, 42))).toBeCloseTo(1, 3);
    // Only the codes are kept: re-inserting what rows() gives stores the same codes again.
    const again = new ShardEngine(options);
    for (const [r, x] of got) again.insert(r, x);
    for (const [r, x] of again.rows()) expect(Array.from(x)).toEqual(Array.from(got.get(r)!));
  });

  it('rejects bad rows, vectors and options clearly', () => {
    const engine = filled(options, data, 10);
    expect(() => engine.insert(1, row(data, dim, 20))).toThrow(/already stored/);
    expect(() => engine.insert(11, new Float32Array(dim + 1))).toThrow(LshError);
    expect(() => engine.insert(11, new Float32Array(dim))).toThrow(/zero vector/);
    const nan = Float32Array.from(row(data, dim, 11));
    nan[3] = NaN;
    expect(() => engine.insert(11, nan)).toThrow(/NaN/);
    expect(() => engine.search(new Float32Array(dim), 5)).toThrow(/zero vector/);
    expect(() => engine.search(row(data, dim, 0), 5, { nprobe: 0 })).toThrow(/nprobe/);
    expect(() => engine.search(row(data, dim, 0), -1)).toThrow(LshError);
    expect(engine.size).toBe(10);
    expect(() => new ShardEngine({ ...options, trainAt: 2 })).toThrow(/trainAt/);
    expect(() => new ShardEngine({ ...options, recallFraction: 0 })).toThrow(/recallFraction/);
    expect(
      () => new ShardEngine(options, { centroids: new Float32Array(dim + 1), trainedAt: 9 }),
    ).toThrow(/whole rows/);
  });
});
