import { describe, expect, it } from 'vitest';
import { hash32, STOPWORDS, tokenize } from './index.ts';

/** murmur3's 32-bit finaliser, written out independently of hash32. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

describe('tokenize', () => {
  it('lower-cases, NFKC-normalises and splits on anything but letters and digits', () => {
    expect(tokenize('ＡＢＣ déjà-vu, HTTP/2 and ﬁle_name!')).toEqual([
      'abc',
      'déjà',
      'vu',
      'http',
      '2',
      'and',
      'file',
      'name',
    ]);
    expect(tokenize('東京タワー 123')).toEqual(['東京タワー', '123']);
    expect(tokenize(' ,.;!? ')).toEqual([]);
  });
});

describe('STOPWORDS', () => {
  it('holds the function words the embedder damps, lower-case', () => {
    for (const w of ['the', 'a', 'of', 'with']) expect(STOPWORDS.has(w)).toBe(true);
    expect(STOPWORDS.has('router')).toBe(false);
    for (const w of STOPWORDS) expect(tokenize(w)).toEqual([w]);
  });
});

describe('hash32', () => {
  it('is FNV-1a (standard test vectors) followed by the murmur3 finaliser', () => {
    expect(hash32(0, '')).toBe(fmix32(0x811c9dc5));
    expect(hash32(0, 'a')).toBe(fmix32(0xe40c292c));
    expect(hash32(0, 'foobar')).toBe(fmix32(0xbf9cf968));
  });

  it('keeps the values the embedder was built on (changing them changes every vector)', () => {
    expect([
      hash32(0x9e3779b1, 'router'),
      hash32(0xc2b2ae3d, '<ro'),
      hash32(0x424d3235, 'déjà'),
    ]).toEqual([3064744784, 3721440975, 969650424]);
  });

  it('depends on the seed and returns u32', () => {
    expect(hash32(1, 'x')).not.toBe(hash32(2, 'x'));
    for (const s of ['', 'x', '😀', 'a'.repeat(1000)]) {
      const h = hash32(7, s);
      expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
    }
  });
});
