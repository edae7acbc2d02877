import { describe, expect, it } from 'vitest';
import { parseChatRequest } from '../openai/chat-request.ts';
import { parseOllamaChat } from './chat-request.ts';
import { HONOURED_OPTIONS, mapOptions, REFUSED_OPTIONS } from './options.ts';
import { answerOf, errorOf } from './testing.ts';

const chat = (options: unknown) =>
  parseOllamaChat({ model: 'm', messages: [{ role: 'user', content: 'hi' }], options });

describe('Ollama options', () => {
  it('maps the honoured options onto the request', () => {
    const { request } = answerOf(
      chat({
        temperature: 0.2,
        top_p: 0.5,
        seed: 7,
        num_predict: 12,
        stop: ['\n', 'user:'],
        frequency_penalty: 0.5,
        presence_penalty: -0.5,
      }),
    );
    expect(request).toMatchObject({
      temperature: 0.2,
      topP: 0.5,
      seed: 7,
      maxTokens: 12,
      stop: ['\n', 'user:'],
      frequencyPenalty: 0.5,
      presencePenalty: -0.5,
    });
  });

  it('takes a single stop string, and -1 / -2 for num_predict as no limit', () => {
    expect(answerOf(chat({ stop: 'END' })).request.stop).toEqual(['END']);
    expect(answerOf(chat({ num_predict: -1 })).request.maxTokens).toBeUndefined();
    expect(answerOf(chat({ num_predict: -2 })).request.maxTokens).toBeUndefined();
  });

  it('treats null values as absent, as Ollama does', () => {
    const { request } = answerOf(chat({ temperature: null, top_k: null }));
    expect(request.temperature).toBe(1);
  });

  it('carries num_ctx for the edge to check against the model context', () => {
    expect(answerOf(chat({ num_ctx: 4096 })).numCtx).toBe(4096);
    expect(answerOf(chat({})).numCtx).toBeNull();
    expect(errorOf(() => chat({ num_ctx: 0 })).param).toBe('options.num_ctx');
  });

  it.each(Object.keys(REFUSED_OPTIONS))('refuses options.%s by name', (name) => {
    const err = errorOf(() => chat({ [name]: 1 }));
    expect(err.code).toBe('unsupported_parameter');
    expect(err.param).toBe(`options.${name}`);
    expect(err.message).toContain(`'options.${name}'`);
  });

  it('refuses an option it does not know, by name', () => {
    const err = errorOf(() => chat({ temprature: 0.5 }));
    expect(err.param).toBe('options.temprature');
  });

  it('names options.* when a value is out of range (checked by parseChatRequest)', () => {
    expect(errorOf(() => chat({ temperature: 3 })).param).toBe('options.temperature');
    expect(errorOf(() => chat({ top_p: 0 })).param).toBe('options.top_p');
    expect(errorOf(() => chat({ num_predict: 0 })).param).toBe('options.num_predict');
    expect(errorOf(() => chat({ num_predict: 1.5 })).param).toBe('options.num_predict');
    expect(errorOf(() => chat({ seed: 'x' })).param).toBe('options.seed');
    expect(errorOf(() => chat({ stop: [''] })).param).toBe('options.stop[0]');
    const penalty = errorOf(() => chat({ presence_penalty: 9 }));
    expect(penalty.param).toBe('options.presence_penalty');
    expect(penalty.message).toContain(`'options.presence_penalty'`);
  });

  it('lists every Ollama option as honoured or refused', () => {
    // The options of Ollama's API (api/types.go Options and Runner), as the ollama client types them.
    const ollamaOptions = [
      'numa',
      'num_ctx',
      'num_batch',
      'num_gpu',
      'main_gpu',
      'low_vram',
      'f16_kv',
      'logits_all',
      'vocab_only',
      'use_mmap',
      'use_mlock',
      'embedding_only',
      'num_thread',
      'num_keep',
      'seed',
      'num_predict',
      'top_k',
      'top_p',
      'min_p',
      'tfs_z',
      'typical_p',
      'repeat_last_n',
      'temperature',
      'repeat_penalty',
      'presence_penalty',
      'frequency_penalty',
      'mirostat',
      'mirostat_tau',
      'mirostat_eta',
      'penalize_newline',
      'stop',
    ];
    const placed = new Set<string>([...HONOURED_OPTIONS, ...Object.keys(REFUSED_OPTIONS)]);
    expect(ollamaOptions.filter((o) => !placed.has(o))).toEqual([]);
  });

  it('resolves to exactly what the OpenAI body with the same values resolves to', () => {
    const ollama = answerOf(chat({ temperature: 0.3, num_predict: 5, seed: 1, stop: 'x' }));
    const openAi = parseChatRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.3,
      max_tokens: 5,
      seed: 1,
      stop: 'x',
      stream: true,
    });
    expect(ollama.request).toEqual(openAi);
  });

  it('refuses an options value that is not an object', () => {
    expect(errorOf(() => mapOptions([1])).param).toBe('options');
  });
});
