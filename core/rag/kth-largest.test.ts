import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kthLargest } from './kth-largest.ts';

describe('kthLargest', () => {
  it('is the k-th value of the descending sort, ties and all', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: -3, max: 3 }),
            fc.double({ noNaN: true }).map((x) => x || 0),
          ),
          {
            minLength: 1,
            maxLength: 300,
          },
        ),
        fc.nat(),
        (values, pick) => {
          const k = 1 + (pick % values.length);
          const want = [...values].sort((a, b) => b - a)[k - 1];
          const buffer = new Float64Array([...values, 99]); // a tail beyond n is not read
          expect(kthLargest(buffer, values.length, k)).toBe(want);
          expect([...buffer.subarray(0, values.length)].sort((a, b) => a - b)).toEqual(
            [...values].sort((a, b) => a - b),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses k outside 1..n', () => {
    const values = new Float64Array([3, 1, 2]);
    expect(() => kthLargest(values, 3, 0)).toThrow(RangeError);
    expect(() => kthLargest(values, 3, 4)).toThrow(RangeError);
  });
});
