import { describe, expect, it } from 'vitest';
import { LshError, randomHyperplanes, seededRng } from '@proxima/core/lsh';
import { loadKernelsSync } from './node.ts';
import { runKernelContract } from './kernels.case.ts';

runKernelContract('wasm simd (node loader)', () => loadKernelsSync(), { large: true });

describe('wasm kernel memory', () => {
  it('throws out_of_memory past the cap, then keeps working', () => {
    const k = loadKernelsSync({ maxMemoryBytes: 2 * 1024 * 1024 });
    const q = new Float32Array(256).fill(1);
    const rows = new Float32Array(256 * 4096).fill(1); // 4 MiB > 2 MiB cap
    expect(() => k.dotBatchF32(q, rows)).toThrow(LshError);
    expect(() => k.dotBatchF32(q, rows)).toThrow(/maxMemoryBytes/);
    expect(k.dotF32(q, q)).toBe(256);
  });

  it('keeps simhasher planes resident up to a bound, and re-copies them after eviction', () => {
    // 2 MiB cap → 256 KiB of resident planes: three sets of 128 KiB cannot all stay.
    const k = loadKernelsSync({ maxMemoryBytes: 2 * 1024 * 1024 });
    const dim = 256;
    const bits = 128;
    const rng = seededRng(3);
    const sets = [0, 1, 2].map(() => randomHyperplanes(rng, bits, dim));
    const hashers = sets.map((p) => k.simhasher(p, bits));
    const v = randomHyperplanes(rng, 1, dim);
    const want = sets.map((p) => k.simhash(v, p, bits));
    for (let round = 0; round < 3; round++)
      for (let h = 0; h < 3; h++) expect(hashers[h]!.hash(v)).toEqual(want[h]);
    const grown = k.memoryBytes();
    for (let round = 0; round < 20; round++) for (const h of hashers) h.hash(v);
    expect(k.memoryBytes()).toBe(grown);
    // Planes larger than the resident bound still hash (copied in per call).
    const big = randomHyperplanes(rng, 1024, dim);
    expect(k.simhasher(big, 1024).hash(v)).toEqual(k.simhash(v, big, 1024));
  });

  it('reuses the same memory across calls instead of growing', () => {
    const k = loadKernelsSync();
    const q = new Float32Array(768).fill(0.5);
    const rows = new Float32Array(768 * 1000).fill(0.25);
    k.dotBatchF32(q, rows);
    const after = k.memoryBytes();
    for (let i = 0; i < 200; i++) k.dotBatchF32(q, rows);
    expect(k.memoryBytes()).toBe(after);
  });
});
