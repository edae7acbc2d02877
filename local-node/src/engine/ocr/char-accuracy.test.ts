import { describe, expect, it } from 'vitest';
import { charAccuracy, editDistance } from './char-accuracy.testing.ts';

describe('charAccuracy', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(charAccuracy('total due', 'totaldue')).toBeCloseTo(8 / 9, 6);
    expect(charAccuracy('abc', 'something else entirely')).toBe(0);
    expect(charAccuracy('', '')).toBe(1);
  });
});
