import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { referenceKernels } from '@proxima/wasm/reference';
import { LshIndex } from './lsh-index.ts';
import { randomHyperplanes, seededRng } from './prng.ts';
import { LshError } from './errors.ts';
import type { LshParams } from './params.ts';
import { bruteForce, clustered, row } from './testing.ts';

const k = referenceKernels;

function make(p: Omit<LshParams, 'dim'> & { dim?: number }, seed = 1): LshIndex {
  const params: LshParams = { dim: 32, ...p };
  return new LshIndex(
    params,
    randomHyperplanes(seededRng(seed), params.tables * params.bits, params.dim),
    k,
  );
}

describe('LshIndex', () => {
  it('finds an inserted vector first, with cosine ≈ 1', () => {
    const idx = make({ tables: 4, bits: 8, probes: 2 });
    const data = clustered(seededRng(2), 300, 32, 10, 0.3);
    for (let r = 0; r < 300; r++) idx.insert(r, row(data, 32, r));
    for (const r of [0, 17, 299]) {
      const hits = idx.search(row(data, 32, r), 3);
      expect(hits.ids[0]).toBe(r);
      expect(hits.scores[0]).toBeGreaterThan(0.98);
    }
  });

  it('delete removes and update moves a vector, in any order of operations', () => {
    // With 4 bits and 15 probes every bucket is visited, so search must equal exact search over
    // the live set: this pins the bucket bookkeeping (swap-remove positions) under random ops.
    const dim = 16;
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('put' as const),
        id: fc.integer({ min: 0, max: 30 }),
        seed: fc.nat(),
      }),
      fc.record({
        kind: fc.constant('del' as const),
        id: fc.integer({ min: 0, max: 30 }),
        seed: fc.nat(),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.nat(), (ops, qseed) => {
        const idx = make({ dim, tables: 3, bits: 4, probes: 15, keepF32: true });
        const model = new Map<number, Float32Array>();
        for (const o of ops) {
          if (o.kind === 'put') {
            const v = clustered(seededRng(o.seed), 1, dim, 1, 1);
            idx.upsert(o.id, v);
            model.set(o.id, v);
          } else if (model.has(o.id)) {
            idx.delete(o.id);
            model.delete(o.id);
          } else {
            expect(() => idx.delete(o.id)).toThrow(LshError);
          }
        }
        expect(idx.size).toBe(model.size);
        const q = clustered(seededRng(qseed), 1, dim, 1, 1);
        const got = idx.search(q, 5, { recheck: 1000 });
        const ids = [...model.keys()];
        const flat = new Float32Array(ids.length * dim);
        ids.forEach((id, i) => flat.set(model.get(id)!, i * dim));
        const want = bruteForce(flat, dim, q, 5).map((i) => ids[i]!);
        expect(new Set(got.ids)).toEqual(new Set(want));
      }),
      { numRuns: 40 },
    );
  });

  it('multi-probe raises recall@10 against brute force', () => {
    const dim = 32;
    const data = clustered(seededRng(5), 3000, dim, 30, 0.6);
    const idx = make({ dim, tables: 8, bits: 10, probes: 0 }, 9);
    for (let r = 0; r < 3000; r++) idx.insert(r, row(data, dim, r));
    const queries = clustered(seededRng(6), 50, dim, 30, 0.6);
    const recall = (probes: number): number => {
      let hit = 0;
      for (let i = 0; i < 50; i++) {
        const q = row(queries, dim, i);
        const truth = new Set(bruteForce(data, dim, q, 10));
        for (const id of idx.search(q, 10, { probes }).ids) if (truth.has(id)) hit++;
      }
      return hit / 500;
    };
    const r0 = recall(0);
    const r16 = recall(16);
    const r64 = recall(64);
    expect(r16).toBeGreaterThan(r0);
    expect(r64).toBeGreaterThan(r16);
    expect(r64).toBeGreaterThan(0.85);
  });

  it('an empty index, or one emptied by deletes, returns no hits', () => {
    const idx = make({ tables: 2, bits: 6, probes: 3 });
    const v = clustered(seededRng(40), 1, 32, 1, 1);
    expect(idx.search(v, 5)).toEqual({ ids: [], scores: [] });
    idx.insert(9, v);
    idx.delete(9);
    expect(idx.search(v, 5).ids).toEqual([]);
    expect(idx.bucketStats().buckets).toBe(0);
  });

  it('rejects bad input clearly', () => {
    const idx = make({ tables: 2, bits: 6, probes: 1 });
    expect(() => idx.insert(1, new Float32Array(31))).toThrow(/dim is 32/);
    const bad = new Float32Array(32);
    bad[3] = Number.NaN;
    expect(() => idx.insert(1, bad)).toThrow(LshError);
    expect(() => idx.search(bad, 3)).toThrow(/NaN or Infinity/);
    expect(() => idx.update(7, new Float32Array(32))).toThrow(/not stored/);
    expect(() => idx.insert(-1, new Float32Array(32))).toThrow(LshError);
    expect(
      () => new LshIndex({ dim: 32, tables: 2, bits: 6, probes: 1 }, new Float32Array(5), k),
    ).toThrow(/planes/);
  });
});
