import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PADDLE_REGION_OPTIONS, textRegions, type Rect } from './text-regions.ts';

const W = 120;
const H = 80;

function mapWith(rects: readonly Rect[], p = 0.9): Float32Array {
  const probs = new Float32Array(W * H);
  for (const r of rects)
    for (let y = r.top; y < r.bottom; y++)
      for (let x = r.left; x < r.right; x++) probs[y * W + x] = p;
  return probs;
}

/** How far PaddleOCR's unclip grows a w × h box on each side. */
function growth(r: Rect): number {
  const w = r.right - r.left;
  const h = r.bottom - r.top;
  return (w * h * PADDLE_REGION_OPTIONS.unclipRatio) / (2 * (w + h));
}

const byTop = (a: Rect, b: Rect) => a.top - b.top || a.left - b.left;

describe('textRegions', () => {
  it('gives each text region its box, grown by the unclip distance', () => {
    const line = { left: 10, top: 10, right: 90, bottom: 18 };
    const word = { left: 40, top: 50, right: 70, bottom: 60 };
    const boxes = textRegions(mapWith([line, word]), W, H).sort(byTop);
    expect(boxes).toHaveLength(2);
    [line, word].forEach((r, i) => {
      const d = growth(r);
      expect(boxes[i]!.left).toBeCloseTo(r.left - d, 6);
      expect(boxes[i]!.top).toBeCloseTo(r.top - d, 6);
      expect(boxes[i]!.right).toBeCloseTo(r.right + d, 6);
      expect(boxes[i]!.bottom).toBeCloseTo(r.bottom + d, 6);
    });
  });

  it('drops faint regions, slivers, and clips boxes to the map', () => {
    const faint = mapWith([{ left: 10, top: 10, right: 60, bottom: 20 }], 0.4);
    expect(textRegions(faint, W, H)).toEqual([]);
    const sliver = mapWith([{ left: 10, top: 10, right: 60, bottom: 12 }]);
    expect(textRegions(sliver, W, H)).toEqual([]);
    const corner = textRegions(mapWith([{ left: 0, top: 0, right: 30, bottom: 10 }]), W, H);
    expect(corner).toEqual([expect.objectContaining({ left: 0, top: 0 })]);
  });

  it('joins diagonal neighbours into one region', () => {
    const probs = mapWith([
      { left: 10, top: 10, right: 20, bottom: 20 },
      { left: 20, top: 20, right: 30, bottom: 30 },
    ]);
    // Half the joined box is empty, so its mean is 0.45: under the default box threshold.
    expect(textRegions(probs, W, H)).toEqual([]);
    const lenient = { ...PADDLE_REGION_OPTIONS, boxThreshold: 0.4 };
    expect(textRegions(probs, W, H, lenient)).toHaveLength(1);
  });

  it('finds every separate rectangle, each inside its box', () => {
    // Rectangles on a grid of 30 × 20 cells, at least 5 px apart, so never touching.
    const cell = fc.record({
      col: fc.integer({ min: 0, max: 3 }),
      row: fc.integer({ min: 0, max: 3 }),
      w: fc.integer({ min: 5, max: 25 }),
      h: fc.integer({ min: 5, max: 15 }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(cell, { selector: (c) => `${c.col},${c.row}`, maxLength: 16 }),
        (cells) => {
          const rects = cells.map((c) => ({
            left: c.col * 30,
            top: c.row * 20,
            right: c.col * 30 + c.w,
            bottom: c.row * 20 + c.h,
          }));
          const boxes = textRegions(mapWith(rects), W, H);
          expect(boxes).toHaveLength(rects.length);
          for (const r of rects)
            expect(
              boxes.some(
                (b) =>
                  b.left <= r.left && b.top <= r.top && b.right >= r.right && b.bottom >= r.bottom,
              ),
            ).toBe(true);
        },
      ),
    );
  });
});
