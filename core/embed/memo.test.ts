import { describe, expect, it } from 'vitest';
import type { Embedder } from './embedder.ts';
import { memoizedEmbedder } from './memo.ts';

/** A 2-d embedder that records each call: text length and a 1 mark, normalised. */
function counting(): Embedder & { readonly calls: string[][] } {
  const calls: string[][] = [];
  return {
    id: 'counting/2',
    dim: 2,
    maxBatch: 4,
    maxInputChars: 100,
    calls,
    embed(texts) {
      calls.push([...texts]);
      if (texts.length > 4) return Promise.reject(new Error('at most 4 inputs per call'));
      return Promise.resolve(
        texts.map((t) => {
          const n = Math.hypot(t.length, 1);
          return Float32Array.of(t.length / n, 1 / n);
        }),
      );
    },
  };
}

describe('memoizedEmbedder', () => {
  it('embeds a text once, however often and in whatever batch it is asked for', async () => {
    const inner = counting();
    const e = memoizedEmbedder(inner);
    expect([e.id, e.dim, e.maxBatch, e.maxInputChars]).toEqual(['counting/2', 2, 4, 100]);
    const [a] = await e.embed(['how old is he']);
    const [b, c, d] = await e.embed(['how old is he', 'where', 'how old is he']);
    expect(b).toBe(a);
    expect(d).toBe(a);
    expect(c).toEqual((await inner.embed(['where']))[0]);
    expect(inner.calls.slice(0, 2)).toEqual([['how old is he'], ['where']]);
  });

  it('answers a batch larger than its memory in full, and still refuses what the inner one refuses', async () => {
    const inner = counting();
    const e = memoizedEmbedder(inner);
    const warm = ['a', 'bb', 'ccc', 'dddd'];
    await e.embed(warm);
    for (const batch of [
      ['e', 'ff', 'ggg', 'hhhh'],
      ['i', 'jj', 'a', 'bb'],
    ])
      expect(await e.embed(batch)).toEqual(await inner.embed(batch));
    await expect(e.embed(['1', '22', '333', '4444', '55555'])).rejects.toThrow(/at most 4/);
  });

  it('passes a failure through and remembers nothing from it', async () => {
    let fail = true;
    const inner = counting();
    const e = memoizedEmbedder({
      ...inner,
      embed: (texts) => (fail ? Promise.reject(new Error('upstream down')) : inner.embed(texts)),
    });
    await expect(e.embed(['x'])).rejects.toThrow(/upstream down/);
    fail = false;
    expect(await e.embed(['x'])).toHaveLength(1);
    expect(inner.calls).toEqual([['x']]);
  });
});
