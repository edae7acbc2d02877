import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { powerOfTwoChoices } from './p2c.ts';

/** A random() that replays the given values. */
const seq = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
};

describe('powerOfTwoChoices', () => {
  it('handles zero and one candidate', () => {
    expect(powerOfTwoChoices([], (x: number) => x, seq(0))).toBeUndefined();
    expect(powerOfTwoChoices([7], (x) => x, seq(0))).toEqual({ chosen: 7, sampled: [7] });
  });

  it('samples two distinct items and takes the cheaper', () => {
    // i = 0; j = floor(0 * 2) = 0 → skips to 1.
    expect(powerOfTwoChoices([5, 3, 9], (x) => x, seq(0, 0))).toEqual({
      chosen: 3,
      sampled: [5, 3],
    });
    // i = 2; j = floor(0.99 * 2) = 1.
    expect(powerOfTwoChoices([5, 3, 9], (x) => x, seq(0.99, 0.99))).toEqual({
      chosen: 3,
      sampled: [9, 3],
    });
  });

  it('keeps the first sample on a tie and survives random() returning 1', () => {
    expect(powerOfTwoChoices(['a', 'b'], () => 1, seq(1, 1))?.chosen).toBe('b');
  });

  it('never picks the worse of its two distinct samples (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 20 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (costs, r1, r2) => {
          const items = costs.map((cost, id) => ({ id, cost }));
          const pick = powerOfTwoChoices(items, (x) => x.cost, seq(r1, r2));
          expect(pick?.sampled).toHaveLength(2);
          const [a, b] = pick?.sampled ?? [];
          expect(a?.id).not.toBe(b?.id);
          expect(pick?.chosen.cost).toBe(Math.min(a?.cost ?? NaN, b?.cost ?? NaN));
        },
      ),
    );
  });
});
