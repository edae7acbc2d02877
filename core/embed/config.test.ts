import { describe, expect, it } from 'vitest';
import { embeddingModelName, OPENAI_DEFAULT_MAX_BATCH, parseEmbedderConfig } from './config.ts';

const json = (value: unknown) => JSON.stringify(value);
const openai = {
  kind: 'openai',
  baseUrl: 'https://api.openai.com/v1/',
  model: 'text-embedding-3-small',
  keyVar: 'OPENAI_KEY',
  dim: 1536,
};

describe('parseEmbedderConfig', () => {
  it('is the built-in lexical embedder at 256 dimensions when unset, blank or "lexical"', () => {
    for (const raw of [undefined, '', '  ', 'lexical', ' lexical\n']) {
      expect(parseEmbedderConfig(raw)).toEqual({ kind: 'lexical', dim: 256 });
    }
    expect(parseEmbedderConfig(json({ kind: 'lexical' }))).toEqual({ kind: 'lexical', dim: 256 });
    expect(parseEmbedderConfig(json({ kind: 'lexical', dim: 384 }))).toEqual({
      kind: 'lexical',
      dim: 384,
    });
  });

  it('reads an OpenAI-compatible embedder, with defaults and without a trailing slash', () => {
    expect(parseEmbedderConfig(json(openai))).toEqual({
      ...openai,
      baseUrl: 'https://api.openai.com/v1',
      maxBatch: OPENAI_DEFAULT_MAX_BATCH,
      dimensions: false,
    });
    const local = { kind: 'openai', baseUrl: 'http://127.0.0.1:8080/v1', model: 'nomic', dim: 768 };
    const parsed = parseEmbedderConfig(json({ ...local, maxBatch: 16, dimensions: true }));
    expect(parsed).toMatchObject({ maxBatch: 16, dimensions: true });
    expect('keyVar' in parsed).toBe(false);
  });

  it('reads a Workers AI embedder; the binding defaults to AI', () => {
    const cf = { kind: 'workers-ai', model: '@cf/baai/bge-small-en-v1.5', dim: 384 };
    expect(parseEmbedderConfig(json(cf))).toEqual({ ...cf, binding: 'AI' });
    expect(parseEmbedderConfig(json({ ...cf, binding: 'MY_AI' }))).toMatchObject({
      binding: 'MY_AI',
    });
  });

  it.each([
    ['not json', /EMBEDDER is neither "lexical" nor valid JSON/],
    [json([openai]), /^EMBEDDER: must be "lexical" or a JSON object/],
    [json({ kind: 'onnx' }), /^EMBEDDER.kind: must be one of lexical, openai, workers-ai/],
    [json({ dim: 256 }), /^EMBEDDER.kind:/],
    [json({ kind: 'lexical', dim: 512 }), /^EMBEDDER.dim:/],
    [json({ kind: 'lexical', dim: 300.5 }), /^EMBEDDER.dim:/],
    [json({ ...openai, baseUrl: 'http://api.example.com/v1' }), /^EMBEDDER.baseUrl: must be https/],
    [json({ ...openai, baseUrl: 'https://user:pw@api.example.com' }), /^EMBEDDER.baseUrl:/],
    [json({ ...openai, keyVar: 'not a var' }), /^EMBEDDER.keyVar: must be an environment variable/],
    [json({ ...openai, model: 'has space' }), /^EMBEDDER.model:/],
    [json({ ...openai, dim: 0 }), /^EMBEDDER.dim:/],
    [json({ ...openai, dim: undefined }), /^EMBEDDER.dim:/],
    [json({ ...openai, maxBatch: 5000 }), /^EMBEDDER.maxBatch:/],
    [json({ ...openai, extra: 1 }), /^EMBEDDER: .*extra/],
    [json({ kind: 'workers-ai', dim: 384 }), /^EMBEDDER.model:/],
    [json({ kind: 'workers-ai', model: '@cf/x', dim: 384, binding: '1AI' }), /^EMBEDDER.binding:/],
  ])('refuses %s, naming the field', (raw, error) => {
    expect(() => parseEmbedderConfig(raw)).toThrow(error);
  });
});

describe('embeddingModelName', () => {
  it('is proxima-lexical for the built-in embedder and the model id otherwise', () => {
    expect(embeddingModelName(parseEmbedderConfig(undefined))).toBe('proxima-lexical');
    expect(embeddingModelName(parseEmbedderConfig(json(openai)))).toBe('text-embedding-3-small');
  });
});
