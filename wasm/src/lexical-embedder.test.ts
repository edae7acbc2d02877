import { describe, expect, it } from 'vitest';
import { LexicalEmbedder, tokenize } from './lexical-embedder.ts';
import { referenceKernels as k } from './reference.ts';

const e = new LexicalEmbedder();
const cos = (a: string, b: string): number => k.cosineF32(e.embed(a), e.embed(b));

describe('LexicalEmbedder', () => {
  it('is deterministic, unit length and of the configured dimension', () => {
    const a = e.embed('Durable Objects store rows of at most two megabytes.');
    expect(a).toEqual(
      new LexicalEmbedder().embed('Durable Objects store rows of at most two megabytes.'),
    );
    expect(a.length).toBe(256);
    expect(Math.abs(k.dotF32(a, a) - 1)).toBeLessThan(1e-5);
    expect(new LexicalEmbedder({ dim: 384 }).embed('x y').length).toBe(384);
  });

  it('gives the zero vector for text without letters or digits', () => {
    expect(e.embed(' ,.;!? ').every((x) => x === 0)).toBe(true);
  });

  it('rejects dimensions outside 256..384', () => {
    expect(() => new LexicalEmbedder({ dim: 128 })).toThrow(RangeError);
    expect(() => new LexicalEmbedder({ dim: 512 })).toThrow(/256..384/);
  });

  it('matches case, punctuation and Unicode width variants exactly', () => {
    expect(cos('Reset the ROUTER now!', 'reset the router now')).toBeCloseTo(1, 5);
    expect(tokenize('ＡＢＣ déjà-vu')).toEqual(['abc', 'déjà', 'vu']);
  });

  it('scores shared words, typos and inflections above unrelated text', () => {
    const unrelated = cos('how do I reset the wifi router', 'quarterly revenue grew in europe');
    expect(cos('how do I reset the wifi router', 'resetting my wifi router')).toBeGreaterThan(
      unrelated + 0.2,
    );
    expect(
      cos('configure the kubernetes ingress', 'configure the kubernets ingres'),
    ).toBeGreaterThan(0.4);
    expect(Math.abs(unrelated)).toBeLessThan(0.2);
  });

  it('cannot see synonyms or paraphrases without shared surface forms (documented limit)', () => {
    expect(cos('car', 'automobile')).toBeLessThan(0.3);
  });

  it('still separates a negation only weakly (documented limit: the cache needs its own guard)', () => {
    const s = cos('the service is available', 'the service is not available');
    expect(s).toBeGreaterThan(0.6);
  });
});
