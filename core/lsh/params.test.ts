import { describe, expect, it } from 'vitest';
import { bitCollision, chooseParams, chooseParamsByCost, validateParams } from './params.ts';
import { LshError } from './errors.ts';

describe('chooseParams', () => {
  it('adds key bits as the corpus grows so buckets stay small', () => {
    const small = chooseParams(10_000, 256);
    const big = chooseParams(1_000_000, 256);
    expect(big.bits).toBeGreaterThan(small.bits);
    expect(Math.round(10_000 / 2 ** small.bits)).toBeLessThanOrEqual(24);
  });

  it('needs more tables for a higher recall target or a looser similarity', () => {
    const base = chooseParams(100_000, 256, { recall: 0.9 });
    expect(chooseParams(100_000, 256, { recall: 0.99 }).tables).toBeGreaterThan(base.tables);
    expect(chooseParams(100_000, 256, { recall: 0.9, similarity: 0.6 }).tables).toBeGreaterThan(
      base.tables,
    );
  });

  it('bitCollision is 1 for identical, 1/2 for orthogonal vectors', () => {
    expect(bitCollision(1)).toBe(1);
    expect(bitCollision(0)).toBeCloseTo(0.5);
  });

  it('rejects bad parameters', () => {
    expect(() => validateParams({ dim: 0, tables: 1, bits: 8, probes: 0 })).toThrow(LshError);
    expect(() => validateParams({ dim: 8, tables: 1, bits: 31, probes: 0 })).toThrow(/bits/);
  });
});

describe('chooseParamsByCost', () => {
  const p = bitCollision(0.8);
  const expected = (n: number, bits: number, tables: number, background: number): number =>
    n * (1 - (1 - bitCollision(background) ** bits) ** tables);

  it('uses the fewest tables that reach the recall target at the given similarity', () => {
    for (const n of [300, 5_000, 40_000, 500_000]) {
      const c = chooseParamsByCost(n, 256, { recall: 0.99, similarity: 0.8 });
      expect(c.probes).toBe(0);
      expect((1 - p ** c.bits) ** c.tables).toBeLessThanOrEqual(0.01);
      expect((1 - p ** c.bits) ** (c.tables - 1)).toBeGreaterThan(0.01);
    }
  });

  it('adds key bits past the bucket-size rule when they cut candidates for fewer µs', () => {
    const n = 32_898;
    const rule = chooseParams(n, 256, { recall: 0.99, similarity: 0.8, probes: 0 });
    const cost = chooseParamsByCost(n, 256, { recall: 0.99, similarity: 0.8, background: 0.1 });
    expect(cost.bits).toBeGreaterThan(rule.bits);
    expect(expected(n, cost.bits, cost.tables, 0.1)).toBeLessThan(
      expected(n, rule.bits, rule.tables, 0.1) / 1.5,
    );
  });

  it('keeps within maxTables, and uses more bits for closer unrelated entries', () => {
    for (const n of [1_000, 30_000, 300_000]) {
      const capped = chooseParamsByCost(n, 256, { maxTables: 40 });
      expect(capped.tables).toBeLessThanOrEqual(40);
      const near = chooseParamsByCost(n, 256, { background: 0.4 });
      const far = chooseParamsByCost(n, 256, { background: 0 });
      expect(near.bits).toBeGreaterThanOrEqual(far.bits);
    }
    expect(chooseParamsByCost(1e6, 256, { maxTables: 1 })).toMatchObject({ tables: 1, bits: 4 });
  });
});
