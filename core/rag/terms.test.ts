import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STOPWORDS } from '../text/index.ts';
import { RAG_LIMITS } from './limits.ts';
import { decodeTerms, encodeTerms, MAX_STORED_TF } from './term-codec.ts';
import { analyze, BM25_STOPWORDS, queryTermIds, termId, termsOf } from './terms.ts';

describe('analyze', () => {
  it('drops stopwords and stems English words to a shared form', () => {
    expect(analyze('The routers were Resetting; a router resets.')).toEqual([
      'router',
      'reset',
      'router',
      'reset',
    ]);
    expect(analyze('connection connected connecting')).toEqual(['connect', 'connect', 'connect']);
  });

  it('keeps words with digits or other scripts as they are', () => {
    expect(analyze('HTTP2 servers déjà 東京')).toEqual(['http2', 'server', 'déjà', '東京']);
  });

  it('uses a stopword list that extends the embedder’s', () => {
    for (const w of STOPWORDS) expect(BM25_STOPWORDS.has(w)).toBe(true);
    expect(BM25_STOPWORDS.size).toBeGreaterThan(STOPWORDS.size);
    expect(analyze('what is not there')).toEqual([]);
  });
});

describe('term ids', () => {
  it('are u32 and stable for a term', () => {
    const id = termId('router');
    expect(id).toBe(termId('router'));
    expect(id).not.toBe(termId('routers'));
    expect(Number.isInteger(id) && id >= 0 && id <= 0xffffffff).toBe(true);
  });

  it('termsOf counts frequencies of analysed terms', () => {
    const tf = termsOf('Router resets the router; routers reset.');
    expect(tf.get(termId('router'))).toBe(3);
    expect(tf.get(termId('reset'))).toBe(2);
    expect(tf.size).toBe(2);
  });

  it('queryTermIds are distinct, in order of first use, at most RAG_LIMITS.queryTerms', () => {
    expect(queryTermIds('reset router resetting routers')).toEqual([
      termId('reset'),
      termId('router'),
    ]);
    const many = Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ');
    const ids = queryTermIds(many);
    expect(ids.length).toBe(RAG_LIMITS.queryTerms);
    expect(ids[0]).toBe(termId('w0'));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('encodeTerms / decodeTerms', () => {
  const termMap = fc
    .array(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 70_000 })), {
      maxLength: 100,
    })
    .map((pairs) => new Map(pairs));

  it('round-trips, clamping frequencies to u16, in 1 + 6 bytes a term', () => {
    fc.assert(
      fc.property(termMap, (m) => {
        const bytes = encodeTerms(m);
        expect(bytes.length).toBe(1 + 6 * m.size);
        const back = decodeTerms(bytes);
        expect(back.size).toBe(m.size);
        for (const [id, tf] of m) expect(back.get(id)).toBe(Math.min(tf, MAX_STORED_TF));
        expect(encodeTerms(new Map([...m].reverse()))).toEqual(bytes);
      }),
    );
  });

  it('is little-endian with a version byte', () => {
    expect([...encodeTerms(new Map([[0x01020304, 0x0506]]))]).toEqual([1, 4, 3, 2, 1, 6, 5]);
    expect([...encodeTerms(new Map())]).toEqual([1]);
  });

  it('decodes views into larger buffers', () => {
    const bytes = encodeTerms(
      new Map([
        [7, 2],
        [9, 1],
      ]),
    );
    const big = new Uint8Array(bytes.length + 5);
    big.set(bytes, 3);
    expect(decodeTerms(big.subarray(3, 3 + bytes.length))).toEqual(
      new Map([
        [7, 2],
        [9, 1],
      ]),
    );
  });

  it('refuses malformed bytes with a RangeError', () => {
    const good = encodeTerms(
      new Map([
        [1, 1],
        [2, 1],
      ]),
    );
    const cases: Uint8Array[] = [
      new Uint8Array(0),
      Uint8Array.of(2),
      good.subarray(0, good.length - 1),
      Uint8Array.from([...good.subarray(0, 7), ...good.subarray(1, 7)]), // duplicate id
      Uint8Array.from([1, ...good.subarray(7), ...good.subarray(1, 7)]), // descending ids
      Uint8Array.of(1, 1, 0, 0, 0, 0, 0), // tf 0
    ];
    for (const bytes of cases) expect(() => decodeTerms(bytes)).toThrow(RangeError);
  });

  it('refuses ids that are not u32 and frequencies below 1', () => {
    expect(() => encodeTerms(new Map([[-1, 1]]))).toThrow(RangeError);
    expect(() => encodeTerms(new Map([[2 ** 32, 1]]))).toThrow(RangeError);
    expect(() => encodeTerms(new Map([[1, 0]]))).toThrow(RangeError);
    expect(() => encodeTerms(new Map([[1, 1.5]]))).toThrow(RangeError);
  });
});
