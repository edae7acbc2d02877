import { describe, expect, it } from 'vitest';
import type { EmbedFiles } from './embed-files.ts';
import { tokenizerJson, VOCAB } from './embed-fixture.testing.ts';
import { DEFAULT_MAX_TOKENS, EmbedTokenizer, maxTokensOf } from './embed-tokenizer.ts';

function files(
  over: Partial<EmbedFiles> = {},
  tokenizer: Record<string, unknown> = {},
): EmbedFiles {
  return {
    modelPath: 'm.onnx',
    tokenizerPath: 'tokenizer.json',
    tokenizer: { ...(tokenizerJson() as Record<string, unknown>), ...tokenizer },
    tokenizerConfig: {},
    ...over,
  };
}

describe('maxTokensOf', () => {
  it('prefers sentence-transformers, then tokenizer.json truncation, then a plausible model_max_length', () => {
    expect(maxTokensOf(files())).toBe(DEFAULT_MAX_TOKENS);
    expect(maxTokensOf(files({ tokenizerConfig: { model_max_length: 1e30 } }))).toBe(
      DEFAULT_MAX_TOKENS,
    );
    expect(maxTokensOf(files({ tokenizerConfig: { model_max_length: 8192 } }))).toBe(8192);
    const truncating = files(
      { tokenizerConfig: { model_max_length: 8192 } },
      { truncation: { max_length: 128 } },
    );
    expect(maxTokensOf(truncating)).toBe(128);
    expect(maxTokensOf({ ...truncating, sentenceBert: { max_seq_length: 256 } })).toBe(256);
  });
});

describe('EmbedTokenizer', () => {
  it('cuts the text, not the special tokens around it', () => {
    const tok = new EmbedTokenizer(files(), 4);
    const id = (t: string) => VOCAB.indexOf(t);
    expect(tok.encode('hello world')).toEqual({
      ids: [id('[CLS]'), id('hello'), id('world'), id('[SEP]')],
      typeIds: [0, 0, 0, 0],
      truncated: false,
    });
    expect(tok.encode('hello big world edge')).toEqual({
      ids: [id('[CLS]'), id('hello'), id('[UNK]'), id('[SEP]')],
      typeIds: [0, 0, 0, 0],
      truncated: true,
    });
  });

  it('pads with the padding config, the pad token, or [PAD]', () => {
    expect(new EmbedTokenizer(files(), 8).padId).toBe(VOCAB.indexOf('[PAD]'));
    expect(new EmbedTokenizer(files({ tokenizerConfig: { pad_token: '[SEP]' } }), 8).padId).toBe(
      VOCAB.indexOf('[SEP]'),
    );
    expect(new EmbedTokenizer(files({}, { padding: { pad_id: 5 } }), 8).padId).toBe(5);
  });

  it('refuses a limit that leaves no room for text', () => {
    expect(() => new EmbedTokenizer(files(), 2)).toThrow(/above 2/);
  });
});
