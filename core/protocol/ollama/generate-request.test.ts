import { describe, expect, it } from 'vitest';
import { requiredCapabilities } from '../../routing/capabilities.ts';
import { parseChatRequest } from '../openai/chat-request.ts';
import { parseOllamaGenerate } from './generate-request.ts';
import { answerOf, errorOf, PNG_1PX } from './testing.ts';

const generate = (extra: Record<string, unknown>) =>
  parseOllamaGenerate({ model: 'm', prompt: 'Why is the sky blue?', ...extra });

describe('parseOllamaGenerate', () => {
  it('is a one-turn chat with the system prompt, streamed by default', () => {
    const t = answerOf(generate({ system: 'Be brief.' }));
    expect(t.request.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Why is the sky blue?' },
    ]);
    expect(t.request.stream).toBe(true);
    expect(t.request.prompt).toBeUndefined();
    expect(t.request).toEqual(parseChatRequest(t.body));
  });

  it('sends a raw prompt as it is, without messages or template', () => {
    const t = answerOf(generate({ raw: true, prompt: '[INST] hi [/INST]', stream: false }));
    expect(t.request.messages).toEqual([]);
    expect(t.request.prompt).toEqual({ text: '[INST] hi [/INST]' });
    expect(t.request.stream).toBe(false);
  });

  it('asks for the middle when a suffix is given (fill-in-the-middle needs fim)', () => {
    const t = answerOf(generate({ prompt: 'def gcd(a, b):', suffix: '    return a' }));
    expect(t.request.messages).toEqual([]);
    expect(t.request.prompt).toEqual({ text: 'def gcd(a, b):', suffix: '    return a' });
    expect(requiredCapabilities(t.request)).toEqual([{ capability: 'fim', param: 'suffix' }]);
  });

  it('carries images with the prompt', () => {
    const t = answerOf(generate({ images: [PNG_1PX] }));
    expect(t.request.messages[0]?.images).toEqual([
      { kind: 'data', mimeType: 'image/png', base64: PNG_1PX },
    ]);
    expect(errorOf(() => generate({ images: ['nope'] })).param).toBe('images[0]');
  });

  it('treats an empty prompt without images or suffix as a load request', () => {
    expect(parseOllamaGenerate({ model: 'm' })).toEqual({ kind: 'load', model: 'm' });
    expect(parseOllamaGenerate({ model: 'm', prompt: '', system: 'x' })).toEqual({
      kind: 'load',
      model: 'm',
    });
    expect(answerOf(parseOllamaGenerate({ model: 'm', suffix: 'end' })).request.prompt).toEqual({
      text: '',
      suffix: 'end',
    });
  });

  it.each([
    ['template', { template: '{{ .Prompt }}' }],
    ['context', { context: [1, 2, 3] }],
    ['width', { width: 512 }],
    ['height', { height: 512 }],
    ['steps', { steps: 4 }],
    ['system', { raw: true, system: 'x' }],
    ['system', { suffix: 'x', system: 'x' }],
    ['images', { raw: true, images: [PNG_1PX] }],
  ])('refuses %s by name where it cannot be honoured', (param, extra) => {
    const err = errorOf(() => generate(extra));
    expect(err.code).toBe('unsupported_parameter');
    expect(err.param).toBe(param);
  });

  it('accepts an empty template or context (the defaults of Go clients)', () => {
    expect(answerOf(generate({ template: '', context: [] })).request.messages).toHaveLength(1);
  });

  it('names the Ollama fields in errors of the shared parser', () => {
    expect(errorOf(() => generate({ options: { num_predict: 0 } })).param).toBe(
      'options.num_predict',
    );
    expect(errorOf(() => generate({ format: { type: 'object', allOf: [] } })).param).toBe(
      'format.allOf',
    );
    const surrogate = errorOf(() => generate({ prompt: 'a\uD800' }));
    expect(surrogate.param).toBe('prompt');
    expect(errorOf(() => generate({ system: 'a\uD800' })).param).toBe('system');
  });
});
