import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { probeKeys } from './probes.ts';

describe('probeKeys (query-directed multi-probe)', () => {
  it('starts at home, then flips the lowest-margin bit, then the next', () => {
    const margins = Float32Array.of(0.9, -0.1, 0.5, -0.3);
    const keys = probeKeys(0b0101, margins, 0, 4, 3);
    expect(keys[0]).toBe(0b0101);
    expect(keys[1]).toBe(0b0101 ^ 0b0010); // bit 1, |0.1|
    expect(keys[2]).toBe(0b0101 ^ 0b1000); // bit 3, |0.3|
    expect(keys[3]).toBe(0b0101 ^ 0b1010); // bits 1+3: 0.01+0.09 < 0.25
  });

  it('yields distinct keys in non-decreasing perturbation cost, up to all 2^k buckets', () => {
    const arb = fc.integer({ min: 1, max: 8 }).chain((bits) =>
      fc.tuple(
        fc.constant(bits),
        fc.array(fc.float({ min: -2, max: 2, noNaN: true }), {
          minLength: bits,
          maxLength: bits,
        }),
        fc.integer({ min: 0, max: 300 }),
      ),
    );
    fc.assert(
      fc.property(arb, ([bits, m, probes]) => {
        const margins = Float32Array.from(m);
        const home = 0;
        const keys = probeKeys(home, margins, 0, bits, probes);
        expect(keys.length).toBe(Math.min(1 + probes, 2 ** bits));
        expect(new Set(keys).size).toBe(keys.length);
        const cost = (key: number): number => {
          let c = 0;
          for (let j = 0; j < bits; j++) if ((key >>> j) & 1) c += margins[j]! ** 2;
          return c;
        };
        for (let i = 2; i < keys.length; i++)
          expect(cost(keys[i]!)).toBeGreaterThanOrEqual(cost(keys[i - 1]!) - 1e-6);
      }),
      { numRuns: 100 },
    );
  });
});
