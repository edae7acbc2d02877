import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { poolingFromConfig, poolTokens, POOLINGS } from './pooling.ts';

const DIM = 3;
const value = fc.float({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true });
/** Texts of 1–6 tokens, each token DIM values. */
const texts = fc.array(
  fc.array(fc.array(value, { minLength: DIM, maxLength: DIM }), { minLength: 1, maxLength: 6 }),
  {
    minLength: 1,
    maxLength: 5,
  },
);

/** A right-padded [batch, seq, DIM] tensor of `rows`, padding filled with `pad`, and its mask. */
function padded(rows: readonly (readonly (readonly number[])[])[], pad: number) {
  const seq = Math.max(...rows.map((r) => r.length));
  const hidden = new Float32Array(rows.length * seq * DIM).fill(pad);
  const mask = new Uint8Array(rows.length * seq);
  rows.forEach((tokens, b) =>
    tokens.forEach((token, t) => {
      hidden.set(token, (b * seq + t) * DIM);
      mask[b * seq + t] = 1;
    }),
  );
  return { hidden, mask, seq };
}

describe('poolTokens', () => {
  it('pools each text of a padded batch as it pools that text alone, whatever the padding holds', () => {
    fc.assert(
      fc.property(texts, value, fc.constantFrom(...POOLINGS), (rows, pad, pooling) => {
        const batch = padded(rows, pad);
        const pooled = poolTokens(batch.hidden, batch.mask, rows.length, batch.seq, DIM, pooling);
        rows.forEach((tokens, b) => {
          const alone = padded([tokens], 0);
          const [single] = poolTokens(alone.hidden, alone.mask, 1, alone.seq, DIM, pooling);
          expect([...pooled[b]!]).toEqual([...single!]);
        });
      }),
    );
  });

  it('mean is the average of the kept rows; cls the first; last the last kept', () => {
    const { hidden, mask, seq } = padded(
      [
        [
          [1, 2, 3],
          [3, 4, 5],
        ],
      ],
      99,
    );
    expect([...poolTokens(hidden, mask, 1, seq, DIM, 'mean')[0]!]).toEqual([2, 3, 4]);
    expect([...poolTokens(hidden, mask, 1, seq, DIM, 'cls')[0]!]).toEqual([1, 2, 3]);
    const twoRows = padded(
      [
        [[1, 1, 1]],
        [
          [2, 2, 2],
          [4, 4, 4],
        ],
      ],
      99,
    );
    expect([...poolTokens(twoRows.hidden, twoRows.mask, 2, twoRows.seq, DIM, 'last')[0]!]).toEqual([
      1, 1, 1,
    ]);
  });
});

describe('poolingFromConfig', () => {
  it('reads sentence-transformers flags and refuses modes it does not do', () => {
    expect(poolingFromConfig({ pooling_mode_mean_tokens: true })).toBe('mean');
    expect(
      poolingFromConfig({ pooling_mode_cls_token: true, pooling_mode_mean_tokens: false }),
    ).toBe('cls');
    expect(poolingFromConfig({ pooling_mode_lasttoken: true })).toBe('last');
    expect(() => poolingFromConfig({ pooling_mode_weightedmean_tokens: true })).toThrow(
      /pooling_mode_weightedmean_tokens; supported: mean, cls, last/,
    );
  });
});
