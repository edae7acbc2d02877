import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuseRanks, RRF_K } from './fusion.ts';

describe('fuseRanks', () => {
  it('sums 1 / (k + rank) over the lists an item appears in', () => {
    const fused = fuseRanks([
      ['a', 'b', 'c'],
      ['c', 'a'],
    ]);
    const score = Object.fromEntries(fused.map((f) => [f.item, f.score]));
    expect(score.a).toBeCloseTo(1 / 61 + 1 / 62, 15);
    expect(score.c).toBeCloseTo(1 / 63 + 1 / 61, 15);
    expect(score.b).toBeCloseTo(1 / 62, 15);
    expect(fused.map((f) => f.item)).toEqual(['a', 'c', 'b']);
    expect(fused.find((f) => f.item === 'b')!.ranks).toEqual([2, null]);
    expect(RRF_K).toBe(60);
  });

  it('applies k and per-list weights', () => {
    const fused = fuseRanks([['x'], ['y']], { k: 0, weights: [1, 3] });
    expect(fused).toEqual([
      { item: 'y', score: 3, ranks: [null, 1] },
      { item: 'x', score: 1, ranks: [1, null] },
    ]);
  });

  it('breaks ties by best rank, then by the earlier list', () => {
    // p and q both sit at ranks 1 and 2 across the lists; r and s only at rank 3.
    const fused = fuseRanks([
      ['q', 'p', 's'],
      ['p', 'q', 'r'],
    ]);
    expect(fused.map((f) => f.item)).toEqual(['q', 'p', 's', 'r']);
  });

  it('compares items by keyOf and keeps the item met at its best rank', () => {
    const a = [
      { id: 1, from: 'vector' },
      { id: 2, from: 'vector' },
    ];
    const b = [{ id: 2, from: 'bm25' }];
    const fused = fuseRanks([a, b], { keyOf: (x) => x.id });
    expect(fused.map((f) => [f.item.id, f.item.from, f.ranks])).toEqual([
      [2, 'bm25', [2, 1]],
      [1, 'vector', [1, null]],
    ]);
  });

  it('counts a repeat within one list once, at its first rank', () => {
    const fused = fuseRanks([['a', 'a', 'b']]);
    expect(fused.map((f) => [f.item, f.ranks[0]])).toEqual([
      ['a', 1],
      ['b', 3],
    ]);
  });

  it('is deterministic and independent of the order of equal-scored input lists', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 20 }), { maxLength: 15 }), {
          maxLength: 4,
        }),
        (lists) => {
          const fused = fuseRanks(lists);
          expect(fuseRanks(lists)).toEqual(fused);
          expect(new Set(fused.map((f) => f.item)).size).toBe(new Set(lists.flat()).size);
          for (let i = 1; i < fused.length; i++)
            expect(fused[i]!.score).toBeLessThanOrEqual(fused[i - 1]!.score);
          expect(new Set(fuseRanks([...lists].reverse()).map((f) => f.score.toFixed(12)))).toEqual(
            new Set(fused.map((f) => f.score.toFixed(12))),
          );
        },
      ),
    );
  });

  it('rejects bad k and weights', () => {
    expect(() => fuseRanks([['a']], { k: -1 })).toThrow(RangeError);
    expect(() => fuseRanks([['a']], { k: Number.NaN })).toThrow(RangeError);
    expect(() => fuseRanks([['a'], ['b']], { weights: [1] })).toThrow(RangeError);
    expect(() => fuseRanks([['a']], { weights: [Number.POSITIVE_INFINITY] })).toThrow(RangeError);
  });
});
