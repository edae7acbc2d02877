import { describe, expect, it } from 'vitest';
import { vocabularyMismatch, type VocabularyFacts } from './llama-vocabulary.ts';

describe('vocabularyMismatch', () => {
  const base: VocabularyFacts = {
    type: 'spm',
    addBos: true,
    addEos: false,
    bos: 1,
    eos: 2,
    tokens: ['<unk>', '<s>', '</s>', 'a', 'b', 'c', 'd', 'e'],
  };
  it("accepts llama.cpp's compatible pairs and names what differs otherwise", () => {
    expect(vocabularyMismatch(base, base)).toBeUndefined();
    // Ids below 5 are not compared (llama.cpp's rule), and the target may have a few more.
    expect(vocabularyMismatch(base, { ...base, tokens: ['?', ...base.tokens.slice(1, 7)] })).toBe(
      undefined,
    );
    expect(vocabularyMismatch(base, { ...base, type: 'bpe' })).toMatch(/types differ/);
    expect(vocabularyMismatch(base, { ...base, eos: 3 })).toMatch(/end-of-sequence/);
    expect(vocabularyMismatch(base, { ...base, addBos: false })).toMatch(/beginning/);
    expect(
      vocabularyMismatch(base, { ...base, tokens: base.tokens.map((t, i) => (i === 6 ? 'x' : t)) }),
    ).toBe('token 6 differs (target "d", draft "x")');
  });
});
