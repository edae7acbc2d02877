import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProximaError } from '../errors.ts';
import { parseChatRequest } from './chat-request.ts';
import { COMPLETION_LIMITS, parseCompletionRequest } from './completion-request.ts';

function errorOf(body: unknown): ProximaError {
  try {
    parseCompletionRequest(body);
  } catch (err) {
    if (err instanceof ProximaError) return err;
    throw err;
  }
  throw new Error('expected a ProximaError');
}

const ok = { model: 'm', prompt: 'def add(a, b):' };

describe('parseCompletionRequest', () => {
  it('normalises a minimal body into a raw-prompt ChatRequest with the legacy max_tokens', () => {
    const { request, echo } = parseCompletionRequest(ok);
    const chat = parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(request).toEqual({
      ...chat,
      messages: [],
      maxTokens: COMPLETION_LIMITS.defaultMaxTokens,
      prompt: { text: 'def add(a, b):' },
    });
    expect(echo).toBe(false);
  });

  it('maps every shared parameter as chat does', () => {
    const shared = {
      max_tokens: 40,
      temperature: 0.3,
      top_p: 0.9,
      stop: ['\n\n'],
      seed: 7,
      stream: true,
      stream_options: { include_usage: true },
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      logit_bias: { '12': -100 },
      user: 'u1',
    };
    const { request } = parseCompletionRequest({ ...ok, ...shared, suffix: '\n  return' });
    const chat = parseChatRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      ...shared,
    });
    expect(request).toEqual({
      ...chat,
      messages: [],
      prompt: { text: ok.prompt, suffix: '\n  return' },
    });
  });

  it('takes logprobs as the number of alternatives (0..5) and echo', () => {
    expect(parseCompletionRequest({ ...ok, logprobs: 3 }).request.logprobs).toBe(3);
    expect(parseCompletionRequest({ ...ok, logprobs: 0 }).request.logprobs).toBe(0);
    expect(parseCompletionRequest({ ...ok, logprobs: null }).request.logprobs).toBeNull();
    expect(errorOf({ ...ok, logprobs: 6 }).param).toBe('logprobs');
    expect(errorOf({ ...ok, logprobs: true }).param).toBe('logprobs');
    expect(parseCompletionRequest({ ...ok, echo: true }).echo).toBe(true);
  });

  it('accepts an array of one prompt, and an empty suffix as none', () => {
    expect(parseCompletionRequest({ ...ok, prompt: ['a'] }).request.prompt).toEqual({ text: 'a' });
    expect(parseCompletionRequest({ ...ok, suffix: '' }).request.prompt).toEqual({
      text: ok.prompt,
    });
    expect(parseCompletionRequest({ ...ok, prompt: '', suffix: 'x' }).request.prompt).toEqual({
      text: '',
      suffix: 'x',
    });
  });

  it.each([
    ['several prompts', { prompt: ['a', 'b'] }, 'prompt', 'unsupported_parameter'],
    ['token ids', { prompt: [1, 2, 3] }, 'prompt', 'unsupported_parameter'],
    ['batches of token ids', { prompt: [[1], [2]] }, 'prompt', 'unsupported_parameter'],
    ['no prompt', { prompt: undefined }, 'prompt', 'invalid_request'],
    ['a null prompt', { prompt: null }, 'prompt', 'invalid_request'],
    ['an empty list', { prompt: [] }, 'prompt', 'invalid_request'],
    ['a number', { prompt: 3 }, 'prompt', 'invalid_request'],
    ['a lone surrogate', { prompt: 'a\ud800' }, 'prompt', 'invalid_request'],
    ['n > 1', { n: 2 }, 'n', 'unsupported_parameter'],
    ['best_of > 1', { best_of: 3 }, 'best_of', 'unsupported_parameter'],
    ['echo with suffix', { echo: true, suffix: 's' }, 'echo', 'unsupported_parameter'],
    ['echo with logprobs', { echo: true, logprobs: 1 }, 'echo', 'unsupported_parameter'],
    ['an unknown parameter', { top_k: 40 }, 'top_k', 'unsupported_parameter'],
    ['a chat parameter', { messages: [] }, 'messages', 'unsupported_parameter'],
    ['a chat parameter', { tools: [] }, 'tools', 'unsupported_parameter'],
    ['a bad temperature', { temperature: 3 }, 'temperature', 'invalid_request'],
    ['max_tokens 0', { max_tokens: 0 }, 'max_tokens', 'invalid_request'],
    ['a bad model id', { model: 'a b' }, 'model', 'invalid_request'],
    ['a bad suffix', { suffix: 5 }, 'suffix', 'invalid_request'],
  ])('refuses %s, naming the field', (_, patch, param, code) => {
    const err = errorOf({ ...ok, ...patch });
    expect(err.param).toBe(param);
    expect(err.code).toBe(code);
    expect(err.status).toBe(400);
  });

  it('accepts n and best_of of 1, echo false and nulls', () => {
    const base = parseCompletionRequest(ok).request;
    const same = parseCompletionRequest({
      ...ok,
      n: 1,
      best_of: 1,
      echo: false,
      suffix: null,
      logprobs: null,
      max_tokens: null,
    }).request;
    expect(same).toEqual(base);
  });

  it('refuses a body that is not an object', () => {
    expect(errorOf('prompt').code).toBe('invalid_request');
    expect(errorOf(null).code).toBe('invalid_request');
  });

  it('any accepted body yields a raw prompt and no messages (property)', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 4096 }), { nil: undefined }),
        (prompt, suffix, maxTokens) => {
          const { request } = parseCompletionRequest({
            model: 'm',
            prompt,
            ...(suffix === undefined ? {} : { suffix }),
            ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }),
          });
          expect(request.messages).toEqual([]);
          expect(request.prompt.text).toBe(prompt);
          expect(request.prompt.suffix).toBe(suffix);
          expect(request.maxTokens).toBe(maxTokens ?? COMPLETION_LIMITS.defaultMaxTokens);
        },
      ),
    );
  });
});
