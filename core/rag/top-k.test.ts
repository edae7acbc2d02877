import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topK } from './top-k.ts';

describe('topK', () => {
  it('equals the first k of a full sort', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 })),
        fc.integer({ min: -1, max: 40 }),
        (xs, k) => {
          const order = (a: number, b: number): number => b - a;
          expect(topK(xs, k, order)).toEqual([...xs].sort(order).slice(0, Math.max(0, k)));
        },
      ),
    );
  });
});
