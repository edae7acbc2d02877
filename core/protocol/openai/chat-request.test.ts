import { describe, expect, it } from 'vitest';
import { ProximaError } from '../errors.ts';
import { parseChatRequest } from './chat-request.ts';

function errorOf(body: unknown): ProximaError {
  try {
    parseChatRequest(body);
  } catch (err) {
    if (err instanceof ProximaError) return err;
    throw err;
  }
  throw new Error('expected a ProximaError');
}

const ok = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

describe('parseChatRequest', () => {
  it('normalises a minimal request with defaults', () => {
    const req = parseChatRequest(ok);
    expect(req).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
      includeUsage: false,
      maxTokens: undefined,
      temperature: 1,
      topP: 1,
      stop: [],
      seed: undefined,
    });
  });

  it('joins text parts, maps developer to system, and takes max_completion_tokens', () => {
    const req = parseChatRequest({
      model: 'm',
      messages: [
        { role: 'developer', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      ],
      max_completion_tokens: 7,
      stop: 'END',
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(req.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'ab' },
    ]);
    expect(req.maxTokens).toBe(7);
    expect(req.stop).toEqual(['END']);
    expect(req.includeUsage).toBe(true);
  });

  it.each([
    [{ messages: ok.messages }, 'model'],
    [{ model: '', messages: ok.messages }, 'model'],
    [{ model: 'm', messages: [] }, 'messages'],
    [{ model: 'm', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
    [{ model: 'm', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
    [{ model: 'm', messages: [{ role: 'user' }] }, 'messages[0].content'],
    [{ ...ok, temperature: 3 }, 'temperature'],
    [{ ...ok, top_p: 0 }, 'top_p'],
    [{ ...ok, max_tokens: 0 }, 'max_tokens'],
    [{ ...ok, max_tokens: 1.5 }, 'max_tokens'],
    [{ ...ok, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
    [{ ...ok, stream: 'yes' }, 'stream'],
  ])('rejects %j naming %s', (body, param) => {
    const err = errorOf(body);
    expect(err.status).toBe(400);
    expect(err.param).toBe(param);
    expect(err.message).toContain(param);
  });

  it('rejects a body that is not an object', () => {
    expect(errorOf('hello').status).toBe(400);
    expect(errorOf(null).status).toBe(400);
  });

  it.each([
    [{ ...ok, n: 2 }, 'n'],
    [{ ...ok, tools: [{ type: 'function' }] }, 'tools'],
    [{ ...ok, logprobs: true }, 'logprobs'],
    [{ ...ok, response_format: { type: 'json_object' } }, 'response_format'],
    [
      {
        model: 'm',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }],
      },
      'messages[0].content[0]',
    ],
  ])('says %j uses an unsupported parameter', (body, param) => {
    const err = errorOf(body);
    expect(err.code).toBe('unsupported_parameter');
    expect(err.param).toBe(param);
  });

  it('ignores unknown fields, as OpenAI-compatible servers do', () => {
    expect(parseChatRequest({ ...ok, some_vendor_field: 1 }).model).toBe('m');
  });
});
