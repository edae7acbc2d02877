import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DETECTION_MAX_SIDE, detectionSize } from './detect-text.ts';

describe('detectionSize', () => {
  it('shrinks an A4 page at 300 dpi to the detector bound, keeping its shape', () => {
    const size = detectionSize(2480, 3508);
    expect(size.height).toBe(DETECTION_MAX_SIDE);
    expect(size.width / size.height).toBeCloseTo(2480 / 3508, 1);
  });

  it('never enlarges past rounding, and always gives multiples of 32', () => {
    const side = fc.integer({ min: 1, max: 20_000 });
    fc.assert(
      fc.property(side, side, (w, h) => {
        const size = detectionSize(w, h);
        for (const n of [size.width, size.height]) {
          expect(n % 32).toBe(0);
          expect(n).toBeGreaterThanOrEqual(32);
        }
        expect(Math.max(size.width, size.height)).toBeLessThanOrEqual(
          Math.max(32, Math.min(Math.max(w, h), DETECTION_MAX_SIDE) + 16),
        );
      }),
    );
  });
});
