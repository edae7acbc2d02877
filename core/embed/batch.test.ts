import { LexicalEmbedder } from '@proxima/wasm';
import { describe, expect, it } from 'vitest';
import { embedAll } from './batch.ts';
import { checkCall } from './check.ts';
import type { EmbedOptions, Embedder } from './embedder.ts';

/** The built-in lexical embedder with a small batch limit, recording each call's batch. */
function recording(maxBatch: number) {
  const lexical = new LexicalEmbedder();
  const batches: string[][] = [];
  const embedder: Embedder = {
    id: `${lexical.name}/${lexical.dim}`,
    dim: lexical.dim,
    maxBatch,
    maxInputChars: 100,
    embed(texts: readonly string[], options?: EmbedOptions) {
      checkCall(embedder, texts, options);
      batches.push([...texts]);
      return Promise.resolve(texts.map((t) => lexical.embed(t)));
    },
  };
  return { embedder, batches, lexical };
}

describe('embedAll', () => {
  it('splits into batches of maxBatch, in order, and answers in input order', async () => {
    const { embedder, batches, lexical } = recording(3);
    const texts = Array.from({ length: 8 }, (_, i) => `text number ${i}`);
    const vectors = await embedAll(embedder, texts);
    expect(batches.map((b) => b.length)).toEqual([3, 3, 2]);
    expect(batches.flat()).toEqual(texts);
    expect(vectors).toEqual(texts.map((t) => lexical.embed(t)));
  });

  it('makes no call for no texts', async () => {
    const { embedder, batches } = recording(3);
    expect(await embedAll(embedder, [])).toEqual([]);
    expect(batches).toEqual([]);
  });

  it('checks every input before the first call, naming its place in the whole list', async () => {
    const { embedder, batches } = recording(3);
    const texts = ['a', 'b', 'c', 'd', 'x'.repeat(101)];
    await expect(embedAll(embedder, texts)).rejects.toMatchObject({ param: 'input[4]' });
    expect(batches).toEqual([]);
  });

  it('passes the signal on, so a caller that left stops the next batch', async () => {
    const { embedder, batches } = recording(1);
    const controller = new AbortController();
    const slow: Embedder = {
      ...embedder,
      embed: async (texts, options) => {
        const out = await embedder.embed(texts, options);
        controller.abort(new Error('client left'));
        return out;
      },
    };
    await expect(embedAll(slow, ['a', 'b', 'c'], { signal: controller.signal })).rejects.toThrow(
      'client left',
    );
    expect(batches).toEqual([['a']]);
  });
});
