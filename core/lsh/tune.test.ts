import { describe, expect, it } from 'vitest';
import { referenceKernels } from '@proxima/wasm/reference';
import { chooseCells, recallOf, tuneToRecall } from './tune.ts';
import { LshIndex } from './lsh-index.ts';
import { randomHyperplanes, seededRng } from './prng.ts';
import { bruteForce, clustered, row } from './testing.ts';

describe('tuneToRecall', () => {
  it('finds the smallest level reaching the target in O(log n) tries', () => {
    const levels = Array.from({ length: 64 }, (_, i) => i);
    const { chosen, tried } = tuneToRecall(levels, 0.9, (l) => Math.min(1, l / 40));
    expect(chosen.level).toBe(36);
    expect(tried.length).toBeLessThanOrEqual(7);
  });

  it('falls back to the best level tried when the target is out of reach', () => {
    const { chosen } = tuneToRecall([1, 2, 4], 0.99, (l) => l / 10);
    expect(chosen).toEqual({ level: 4, recall: 0.4 });
  });

  it('tunes LSH probes toward a recall target on a sample', () => {
    const dim = 32;
    const data = clustered(seededRng(31), 2000, dim, 20, 0.5);
    const idx = new LshIndex(
      { dim, tables: 6, bits: 10, probes: 0 },
      randomHyperplanes(seededRng(32), 60, dim),
      referenceKernels,
    );
    for (let r = 0; r < 2000; r++) idx.insert(r, row(data, dim, r));
    const qs = clustered(seededRng(33), 40, dim, 20, 0.5);
    const exact = Array.from({ length: 40 }, (_, i) => bruteForce(data, dim, row(qs, dim, i), 10));
    const recallAt = (probes: number): number =>
      recallOf(
        exact.map((_, i) => idx.search(row(qs, dim, i), 10, { probes }).ids),
        exact,
        10,
      );
    const { chosen } = tuneToRecall([0, 1, 2, 4, 8, 16, 32, 64, 128], 0.9, recallAt);
    expect(chosen.recall).toBeGreaterThanOrEqual(0.9);
    expect(chosen.level).toBeGreaterThan(0);
  });

  it('chooseCells grows as 2·√n', () => {
    expect(chooseCells(100_000)).toBe(632);
    expect(chooseCells(0)).toBe(2);
  });
});
