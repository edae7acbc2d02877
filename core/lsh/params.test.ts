import { describe, expect, it } from 'vitest';
import { bitCollision, chooseParams, validateParams } from './params.ts';
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
