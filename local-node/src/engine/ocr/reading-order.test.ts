import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linesInReadingOrder, type TextPiece } from './reading-order.ts';

function piece(text: string, left: number, top: number, confidence = 0.9): TextPiece {
  return {
    text,
    confidence,
    characters: text.length,
    rect: { left, top, right: left + 10 * text.length, bottom: top + 20 },
  };
}

const PAGE = [
  piece('Title', 100, 10),
  piece('left', 10, 60, 0.8),
  piece('middle', 80, 63, 0.6),
  piece('right', 200, 58, 1),
  piece('last', 10, 110),
];

describe('linesInReadingOrder', () => {
  it('joins pieces of a line left to right and orders lines top down', () => {
    const lines = linesInReadingOrder(PAGE);
    expect(lines.map((l) => l.text)).toEqual(['Title', 'left middle right', 'last']);
    expect(lines[1]!.box).toEqual([
      [10, 58],
      [250, 58],
      [250, 83],
      [10, 83],
    ]);
    // Weighted by characters: (4 × 0.8 + 6 × 0.6 + 5 × 1) / 15.
    expect(lines[1]!.confidence).toBeCloseTo((3.2 + 3.6 + 5) / 15, 6);
  });

  it('keeps lines apart that overlap by less than half a line', () => {
    const lines = linesInReadingOrder([piece('upper', 0, 0), piece('lower', 50, 11)]);
    expect(lines.map((l) => l.text)).toEqual(['upper', 'lower']);
  });

  it('does not depend on the order pieces arrive in', () => {
    const expected = linesInReadingOrder(PAGE);
    fc.assert(
      fc.property(fc.shuffledSubarray(PAGE, { minLength: PAGE.length }), (shuffled) => {
        expect(linesInReadingOrder(shuffled)).toEqual(expected);
      }),
    );
  });
});
