import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { embeddingListBody } from './response.ts';
import { estimateEmbeddingTokens } from './estimate.ts';

/** How the official openai client decodes base64 embeddings (node: Buffer, little-endian). */
function decode(base64: string): number[] {
  const buf = Buffer.from(base64, 'base64');
  return Array.from({ length: buf.length / 4 }, (_, i) => buf.readFloatLE(i * 4));
}

describe('base64 embeddings', () => {
  it('are the little-endian float32 bytes, as the openai client decodes them, for any vector', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true }), { maxLength: 40 }), (values) => {
        const v = Float32Array.from(values);
        const [item] = embeddingListBody('m', [v], 'base64', 0).data;
        expect(item?.embedding).toBe(Buffer.from(v.buffer).toString('base64'));
        expect(decode(item?.embedding as string)).toEqual(Array.from(v));
      }),
    );
  });
});

describe('embeddingListBody', () => {
  const vectors = [new Float32Array([0.6, 0.8]), new Float32Array([1, 0])];

  it("is OpenAI's list, floats in order", () => {
    expect(embeddingListBody('m', vectors, 'float', 7)).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [Math.fround(0.6), Math.fround(0.8)] },
        { object: 'embedding', index: 1, embedding: [1, 0] },
      ],
      model: 'm',
      usage: { prompt_tokens: 7, total_tokens: 7 },
    });
  });

  it('carries the same values as base64', () => {
    const floats = embeddingListBody('m', vectors, 'float', 1).data.map((d) => d.embedding);
    const encoded = embeddingListBody('m', vectors, 'base64', 1).data.map((d) => d.embedding);
    expect(encoded.map((e) => decode(e as string))).toEqual(floats);
  });
});

describe('estimateEmbeddingTokens', () => {
  it('is the UTF-8 bytes of all inputs over 4, rounded up, with nothing generated', () => {
    expect(estimateEmbeddingTokens([])).toBe(0);
    expect(estimateEmbeddingTokens(['abcd', 'e'])).toBe(2);
    expect(estimateEmbeddingTokens(['é'])).toBe(1);
  });
});
