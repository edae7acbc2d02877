import { describe, expect, it } from 'vitest';
import { ollamaEmbedBody, parseOllamaEmbed } from './embed.ts';
import { errorOf } from './testing.ts';

describe('/api/embed', () => {
  it('takes one input or many, and accepts truncate and keep_alive', () => {
    expect(parseOllamaEmbed({ model: 'e', input: 'hi', truncate: true, keep_alive: '5m' })).toEqual(
      { model: 'e', input: ['hi'], encodingFormat: 'float' },
    );
    expect(parseOllamaEmbed({ model: 'e', input: ['a', 'b'], dimensions: 8 })).toEqual({
      model: 'e',
      input: ['a', 'b'],
      encodingFormat: 'float',
      dimensions: 8,
    });
  });

  it('names the failing field', () => {
    expect(errorOf(() => parseOllamaEmbed({ model: 'e', input: '' })).param).toBe('input');
    expect(errorOf(() => parseOllamaEmbed({ input: 'x' })).param).toBe('model');
    expect(
      errorOf(() => parseOllamaEmbed({ model: 'e', input: 'x', options: { num_ctx: 8 } })).param,
    ).toBe('options.num_ctx');
  });

  it("answers in Ollama's shape", () => {
    expect(ollamaEmbedBody('e', [new Float32Array([0.5, -1])], 3, 2)).toEqual({
      model: 'e',
      embeddings: [[0.5, -1]],
      total_duration: 2_000_000,
      load_duration: 0,
      prompt_eval_count: 3,
    });
  });
});
