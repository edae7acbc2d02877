import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWellFormedText } from '../protocol/limits.ts';
import { replayPieces } from './replay.ts';

describe('replayPieces', () => {
  it('cuts after whitespace, within the limit', () => {
    expect(replayPieces('the quick brown fox jumps', 10)).toEqual([
      'the quick ',
      'brown fox ',
      'jumps',
    ]);
    expect(replayPieces('', 10)).toEqual([]);
    expect(replayPieces('short', 64)).toEqual(['short']);
  });

  it('cuts a word longer than the limit, but never inside a surrogate pair', () => {
    expect(replayPieces('abcdefgh', 3)).toEqual(['abc', 'def', 'gh']);
    expect(replayPieces('a😀b😀', 2)).toEqual(['a', '😀', 'b', '😀']);
  });

  it('refuses a limit below 2', () => {
    expect(() => replayPieces('abc', 1)).toThrow(RangeError);
  });

  it('concatenates back to exactly the text, in well-formed pieces within the limit', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 400 }),
      fc.string({ unit: fc.constantFrom('a', ' ', '\n', '😀', 'é', '\t'), maxLength: 400 }),
    );
    fc.assert(
      fc.property(text, fc.integer({ min: 2, max: 80 }), (t, max) => {
        const pieces = replayPieces(t, max);
        expect(pieces.join('')).toBe(t);
        for (const p of pieces) {
          expect(p.length).toBeGreaterThan(0);
          expect(p.length).toBeLessThanOrEqual(max);
          expect(isWellFormedText(p)).toBe(true);
        }
      }),
    );
  });
});
