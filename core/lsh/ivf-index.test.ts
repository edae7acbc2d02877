import { describe, expect, it } from 'vitest';
import { referenceKernels } from '@proxima/wasm/reference';
import { IvfIndex } from './ivf-index.ts';
import { trainCentroids } from './kmeans.ts';
import { randomHyperplanes, seededRng } from './prng.ts';
import { LshError } from './errors.ts';
import { bruteForce, clustered, row } from './testing.ts';
import { deserializeIvf, serializeIvf } from './serialize-ivf.ts';
import { fromRows, toRows } from './serialize.ts';

const k = referenceKernels;
const dim = 24;

function unitRows(data: Float32Array): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < data.length / dim; r++) {
    let n = 0;
    for (let i = 0; i < dim; i++) n += data[r * dim + i]! ** 2;
    for (let i = 0; i < dim; i++) out[r * dim + i] = data[r * dim + i]! / Math.sqrt(n);
  }
  return out;
}

describe('IvfIndex (k-means cells + int8 re-rank)', () => {
  const data = clustered(seededRng(11), 1500, dim, 12, 0.4);
  const centroids = trainCentroids(k, unitRows(data), dim, 16, 6, seededRng(12));

  it('probing every cell equals exact search; fewer cells still recalls well', () => {
    const idx = new IvfIndex({ dim, nprobe: 16 }, centroids, k);
    for (let r = 0; r < 1500; r++) idx.insert(r, row(data, dim, r));
    const queries = clustered(seededRng(13), 30, dim, 12, 0.4);
    let hitAll = 0;
    let hitFew = 0;
    for (let i = 0; i < 30; i++) {
      const q = row(queries, dim, i);
      const truth = new Set(bruteForce(data, dim, q, 10));
      for (const id of idx.search(q, 10).ids) if (truth.has(id)) hitAll++;
      for (const id of idx.search(q, 10, { nprobe: 4 }).ids) if (truth.has(id)) hitFew++;
    }
    expect(hitAll / 300).toBeGreaterThan(0.95); // int8 ranking only may swap near-ties
    expect(hitFew / 300).toBeGreaterThan(0.8);
  });

  it('with keepF32, the f32 re-check makes a full probe exact', () => {
    const idx = new IvfIndex({ dim, nprobe: 16, keepF32: true }, centroids, k);
    idx.insertMany(
      Array.from({ length: 1500 }, (_, i) => i),
      data,
    );
    idx.delete(5);
    idx.upsert(5, row(data, dim, 5));
    const queries = clustered(seededRng(14), 20, dim, 12, 0.4);
    for (let i = 0; i < 20; i++) {
      const q = row(queries, dim, i);
      expect(idx.search(q, 10, { recheck: 60 }).ids).toEqual(bruteForce(data, dim, q, 10));
    }
  });

  it('with recheckCodes, no f32 rows are kept and a full probe ranks as exact search over the codes', () => {
    const plain = new IvfIndex({ dim, nprobe: 16 }, centroids, k);
    const idx = new IvfIndex({ dim, nprobe: 16, recheckCodes: true }, centroids, k);
    const ids = Array.from({ length: 1500 }, (_, i) => i);
    plain.insertMany(ids, data);
    idx.insertMany(ids, data);
    expect(idx.memoryBytes()).toBe(plain.memoryBytes());
    for (let c = 0; c < idx.cellCount; c++) expect(idx.cellView(c).unit).toHaveLength(0);
    // The stored rows, dequantized: exact search over them is what the re-check must reproduce.
    const stored = new Float32Array(1500 * dim);
    for (let c = 0; c < idx.cellCount; c++) {
      const rows = idx.cellRowsF32(c);
      idx
        .cellView(c)
        .ids.forEach((id, i) => stored.set(rows.subarray(i * dim, i * dim + dim), id * dim));
    }
    const queries = clustered(seededRng(14), 20, dim, 12, 0.4);
    let sameAsRaw = 0;
    for (let i = 0; i < 20; i++) {
      const q = row(queries, dim, i);
      const got = idx.search(q, 10, { recheck: 60 });
      expect(got.ids).toEqual(bruteForce(stored, dim, q, 10));
      const raw = bruteForce(data, dim, q, 10);
      sameAsRaw += got.ids.filter((id) => raw.includes(id)).length;
      // Scores are cosines with the unit direction of the codes, not the int8 × int8 estimate.
      const best = got.ids[0]!;
      expect(got.scores[0]).toBeCloseTo(
        k.cosineF32(q, stored.subarray(best * dim, best * dim + dim)),
        5,
      );
    }
    expect(sameAsRaw / 200).toBeGreaterThan(0.95);
    expect(() => idx.cellRowsF32(16)).toThrow(/cell 16/);
  });

  it('the SimHash sketch filter with an unlimited budget equals the plain scan', () => {
    const sketch = { planes: randomHyperplanes(seededRng(15), 64, dim), bits: 64, rerank: 1500 };
    const idx = new IvfIndex({ dim, nprobe: 16, sketch }, centroids, k);
    const plain = new IvfIndex({ dim, nprobe: 16 }, centroids, k);
    for (let r = 0; r < 1500; r++) {
      idx.insert(r, row(data, dim, r));
      plain.insert(r, row(data, dim, r));
    }
    const q = row(clustered(seededRng(16), 1, dim, 12, 0.4), dim, 0);
    expect(new Set(idx.search(q, 10).ids)).toEqual(new Set(plain.search(q, 10).ids));
    // A tight budget scores only that many rows.
    idx.search(q, 10, { rerank: 50 });
    expect(idx.lastStats.scored).toBe(50);
  });

  it('delete and upsert keep cells consistent', () => {
    const idx = new IvfIndex({ dim, nprobe: 16 }, centroids, k);
    for (let r = 0; r < 200; r++) idx.insert(r, row(data, dim, r));
    for (let r = 0; r < 200; r += 2) idx.delete(r);
    idx.upsert(1, row(data, dim, 500));
    expect(idx.size).toBe(100);
    expect(idx.cellSizes().reduce((a, b) => a + b, 0)).toBe(100);
    const live = new Set(Array.from({ length: 100 }, (_, i) => 2 * i + 1));
    const hits = idx.search(row(data, dim, 500), 1);
    expect(hits.ids[0]).toBe(1);
    for (const id of idx.search(row(data, dim, 3), 50).ids) expect(live.has(id)).toBe(true);
    expect(() => idx.delete(0)).toThrow(LshError);
  });
});

describe('IVF snapshot', () => {
  const data = clustered(seededRng(21), 800, dim, 8, 0.4);
  const centroids = trainCentroids(k, unitRows(data), dim, 12, 4, seededRng(22));

  it('round-trips with sketches and f32 rows, through ≤ 2 MB rows', () => {
    const sketch = { planes: randomHyperplanes(seededRng(23), 64, dim), bits: 64, rerank: 200 };
    const idx = new IvfIndex({ dim, nprobe: 5, sketch, keepF32: true }, centroids, k);
    idx.insertMany(
      Array.from({ length: 800 }, (_, i) => i * 2),
      data,
    );
    idx.delete(10);
    const bytes = serializeIvf(idx);
    const back = deserializeIvf(fromRows(toRows(bytes, 4096)), k);
    expect(back.size).toBe(799);
    expect(back.cellSizes()).toEqual(idx.cellSizes());
    for (const r of [0, 300, 799]) {
      const q = row(data, dim, r);
      expect(back.search(q, 10)).toEqual(idx.search(q, 10));
      expect(back.search(q, 10, { rerank: 0 })).toEqual(idx.search(q, 10, { rerank: 0 }));
    }
    // Still updatable after loading.
    back.upsert(10, row(data, dim, 5));
    expect(back.search(row(data, dim, 5), 2).ids).toContain(10);
  });

  it('round-trips an index that re-checks from its codes, and keeps re-checking after loading', () => {
    const idx = new IvfIndex({ dim, nprobe: 12, recheckCodes: true }, centroids, k);
    idx.insertMany(
      Array.from({ length: 800 }, (_, i) => i),
      data,
    );
    const back = deserializeIvf(serializeIvf(idx), k);
    expect(back.params.recheckCodes).toBe(true);
    expect(back.params.keepF32).toBe(false);
    for (const r of [0, 400, 799]) {
      const q = row(data, dim, r);
      expect(back.search(q, 10)).toEqual(idx.search(q, 10));
    }
    // Without the flag the scores would be the int8 × int8 estimate, not the re-checked cosine.
    const plain = deserializeIvf(serializeIvf(new IvfIndex({ dim, nprobe: 12 }, centroids, k)), k);
    expect(plain.params.recheckCodes).toBeUndefined();
  });

  it('rejects a corrupted snapshot', () => {
    const idx = new IvfIndex({ dim, nprobe: 3 }, centroids, k);
    idx.insertMany([1, 2, 3], data.subarray(0, 3 * dim));
    const bytes = serializeIvf(idx);
    const bad = bytes.slice();
    bad[bad.length - 1]! ^= 0xff;
    expect(() => deserializeIvf(bad, k)).toThrow(/checksum/);
    expect(() => deserializeIvf(bytes.subarray(0, 40), k)).toThrow(LshError);
  });
});
