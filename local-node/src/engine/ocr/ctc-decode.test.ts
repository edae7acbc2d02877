import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ctcDecode } from './ctc-decode.ts';

const ALPHABET = ['a', 'b', 'c', ' '];
const CLASSES = ALPHABET.length + 1;

/** One row per step: `p` on the step's class, the rest spread over the others. */
function probsOf(steps: readonly number[], p: number): Float32Array {
  const probs = new Float32Array(steps.length * CLASSES).fill((1 - p) / (CLASSES - 1));
  steps.forEach((c, step) => (probs[step * CLASSES + c] = p));
  return probs;
}

describe('ctcDecode', () => {
  it('collapses repeats, drops blanks, keeps a letter doubled across a blank', () => {
    const probs = probsOf([0, 1, 1, 0, 1, 2, 2, 2, 0, 0, 4, 3], 0.9);
    const decoded = ctcDecode(probs, 0, 12, CLASSES, ALPHABET);
    expect(decoded.text).toBe('aab c');
    expect(decoded.characters).toBe(5);
    expect(decoded.confidence).toBeCloseTo(0.9, 6);
  });

  it('reads nothing from blanks, with confidence 0', () => {
    expect(ctcDecode(probsOf([0, 0, 0], 0.99), 0, 3, CLASSES, ALPHABET)).toEqual({
      text: '',
      confidence: 0,
      characters: 0,
    });
  });

  it('decodes any text written as a CTC path, at any offset', () => {
    const text = fc.array(fc.integer({ min: 1, max: CLASSES - 1 }), { maxLength: 20 });
    fc.assert(
      fc.property(
        text,
        fc.integer({ min: 1, max: 3 }),
        fc.double({ min: 0.5, max: 1, noNaN: true }),
        (labels, hold, p) => {
          // Each label held for `hold` steps, a blank after each.
          const path = labels.flatMap((c) => [...Array<number>(hold).fill(c), 0]);
          const padding = [0, 0];
          const probs = probsOf([...padding, ...path], p);
          const decoded = ctcDecode(
            probs,
            padding.length * CLASSES,
            path.length,
            CLASSES,
            ALPHABET,
          );
          expect(decoded.text).toBe(labels.map((c) => ALPHABET[c - 1]).join(''));
          expect(decoded.characters).toBe(labels.length);
          if (labels.length > 0) expect(decoded.confidence).toBeCloseTo(p, 5);
        },
      ),
    );
  });
});
