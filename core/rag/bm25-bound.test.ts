import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyFront, frontAdd, frontBound, frontHolds } from './bm25-bound.ts';
import { bm25Term } from './bm25-score.ts';

const pointsArb = fc.array(
  fc.tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 400 })),
  { minLength: 1, maxLength: 60 },
);
const paramsArb = fc.record({
  k1: fc.double({ min: 0, max: 3, noNaN: true }),
  b: fc.double({ min: 0, max: 1, noNaN: true }),
});

describe('tf/length front', () => {
  it('bounds, and reaches, the largest bm25Term of the points added', () => {
    fc.assert(
      fc.property(
        pointsArb,
        paramsArb,
        fc.double({ min: 1, max: 300, noNaN: true }),
        (points, params, avgdl) => {
          const front = emptyFront();
          for (const [tf, length] of points) frontAdd(front, tf, length);
          const best = Math.max(
            ...points.map(([tf, length]) => bm25Term(tf, 2.5, length, avgdl, params)),
          );
          const bound = frontBound(front, 2.5, avgdl, params);
          expect(bound).toBeGreaterThanOrEqual(best * (1 - 1e-12));
          expect(bound).toBeLessThanOrEqual(best);
          // No point of the front dominates another, and every point added is dominated by one.
          front.tf.forEach((tf, i) => {
            front.tf.forEach((other, j) => {
              if (i !== j) expect(other >= tf && front.length[j]! <= front.length[i]!).toBe(false);
            });
          });
          for (const [tf, length] of points) {
            expect(front.tf.some((t, i) => t >= tf && front.length[i]! <= length)).toBe(true);
          }
        },
      ),
    );
  });

  it('tells whether a point is on the front', () => {
    const front = emptyFront();
    frontAdd(front, 2, 50);
    frontAdd(front, 1, 60); // dominated
    frontAdd(front, 5, 80);
    expect(frontHolds(front, 2, 50)).toBe(true);
    expect(frontHolds(front, 5, 80)).toBe(true);
    expect(frontHolds(front, 1, 60)).toBe(false);
    frontAdd(front, 5, 40); // dominates both
    expect(front.tf).toEqual([5]);
    expect(front.length).toEqual([40]);
  });
});
