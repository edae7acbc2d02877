import { describe, expect, it } from 'vitest';
import { parseChatRequest } from '../openai/chat-request.ts';
import { parseOllamaChat } from './chat-request.ts';
import { contextShortfall, thinkingOff } from './common.ts';
import { answerOf, errorOf, PNG_1PX } from './testing.ts';

const user = { role: 'user', content: 'hi' };
const chat = (extra: Record<string, unknown> = {}, messages: unknown[] = [user]) =>
  parseOllamaChat({ model: 'm', messages, ...extra });

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
    },
  },
};

describe('parseOllamaChat', () => {
  it('streams by default, as Ollama does, and not when told', () => {
    expect(answerOf(chat()).request.stream).toBe(true);
    expect(answerOf(chat({ stream: false })).request.stream).toBe(false);
  });

  it('builds the OpenAI body the shared path (and the cache scope) reads', () => {
    const t = answerOf(chat({ stream: false, options: { temperature: 0 } }));
    expect(t.body).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0,
      stream: false,
    });
    expect(t.request).toEqual(parseChatRequest(t.body));
  });

  it('treats an empty conversation as a load request', () => {
    expect(parseOllamaChat({ model: 'm', messages: [] })).toEqual({ kind: 'load', model: 'm' });
    expect(parseOllamaChat({ model: 'm' })).toEqual({ kind: 'load', model: 'm' });
  });

  it('names Ollama fields in schema errors', () => {
    expect(errorOf(() => parseOllamaChat({ messages: [user] })).param).toBe('model');
    expect(errorOf(() => chat({}, [{ role: 'robot', content: 'x' }])).param).toBe(
      'messages[0].role',
    );
  });

  it('turns images into image parts after the text', () => {
    const t = answerOf(chat({}, [{ role: 'user', content: 'what is this?', images: [PNG_1PX] }]));
    expect(t.request.messages[0]).toEqual({
      role: 'user',
      content: 'what is this?',
      images: [{ kind: 'data', mimeType: 'image/png', base64: PNG_1PX }],
    });
  });

  it('names the image when it is not one, or is not allowed where it is', () => {
    const bad = errorOf(() => chat({}, [{ role: 'user', content: 'x', images: ['aGVsbG8='] }]));
    expect(bad.param).toBe('messages[0].images[0]');
    const broken = errorOf(() =>
      chat({}, [{ role: 'user', content: 'x', images: [PNG_1PX, 'iVBORw0KGgo$$$'] }]),
    );
    expect(broken.param).toBe('messages[0].images[1]');
    expect(broken.message).toContain(`'messages[0].images[1]'`);
    const misplaced = errorOf(() =>
      chat({}, [{ role: 'system', content: 'x', images: [PNG_1PX] }, user]),
    );
    expect(misplaced.param).toBe('messages[0].images');
  });

  it('refuses fields on roles that do not carry them, instead of dropping them', () => {
    const calls = [{ function: { name: 'f', arguments: {} } }];
    expect(errorOf(() => chat({}, [{ ...user, tool_calls: calls }])).param).toBe(
      'messages[0].tool_calls',
    );
    expect(errorOf(() => chat({}, [{ ...user, thinking: 'hmm' }])).param).toBe(
      'messages[0].thinking',
    );
    expect(errorOf(() => chat({}, [{ ...user, tool_name: 'f' }])).param).toBe(
      'messages[0].tool_name',
    );
  });

  it('maps tools, assistant tool calls (object arguments) and tool results by tool_name', () => {
    const t = answerOf(
      chat({ tools: [weather] }, [
        user,
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
        },
        { role: 'tool', content: '21 C', tool_name: 'get_weather' },
      ]),
    );
    expect(t.request.tools).toEqual([
      {
        name: 'get_weather',
        description: 'Weather in a city',
        parameters: weather.function.parameters,
      },
    ]);
    expect(t.request.toolChoice).toBe('auto');
    expect(t.request.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call_1_0', name: 'get_weather', arguments: '{"city":"Paris"}' }],
      },
      { role: 'tool', content: '21 C', toolCallId: 'call_1_0' },
    ]);
  });

  it('matches tool results to calls by id, by name, or in order', () => {
    const t = answerOf(
      chat({}, [
        user,
        {
          role: 'assistant',
          tool_calls: [
            { id: 'a', function: { name: 'f', arguments: {} } },
            { function: { name: 'g', arguments: '{"x":1}' } },
            { function: { name: 'f', arguments: {} } },
          ],
        },
        { role: 'tool', content: 'g', tool_name: 'g' },
        { role: 'tool', content: 'a', tool_call_id: 'a' },
        { role: 'tool', content: 'next' },
      ]),
    );
    expect(t.request.messages.slice(2).map((m) => m.toolCallId)).toEqual([
      'call_1_1',
      'a',
      'call_1_2',
    ]);
  });

  it('names tool_name or tool_call_id when a tool result answers no call', () => {
    const call = {
      role: 'assistant',
      tool_calls: [{ function: { name: 'f', arguments: {} } }],
    };
    expect(
      errorOf(() => chat({}, [user, call, { role: 'tool', content: 'x', tool_name: 'g' }])).param,
    ).toBe('messages[2].tool_name');
    expect(errorOf(() => chat({}, [user, { role: 'tool', content: 'x' }])).param).toBe(
      'messages[1].tool_call_id',
    );
    expect(
      errorOf(() => chat({}, [user, call, { role: 'tool', content: 'x', tool_call_id: 'zz' }]))
        .param,
    ).toBe('messages[2].tool_call_id');
    const args = errorOf(() =>
      chat({}, [
        user,
        { role: 'assistant', tool_calls: [{ function: { name: 'f', arguments: '[1]' } }] },
      ]),
    );
    expect(args.param).toBe('messages[1].tool_calls[0].function.arguments');
  });

  it('names the tool schema path that constrained decoding cannot enforce', () => {
    const bad = {
      type: 'function',
      function: {
        name: 'f',
        parameters: { type: 'object', properties: { n: { type: 'number', minimum: 1 } } },
      },
    };
    expect(errorOf(() => chat({ tools: [bad] })).param).toBe(
      'tools[0].function.parameters.properties.n.minimum',
    );
  });

  it("maps format: 'json' to any JSON object and a schema to json_schema", () => {
    expect(answerOf(chat({ format: 'json' })).request.responseFormat).toEqual({
      type: 'json_object',
    });
    expect(answerOf(chat({ format: '' })).request.responseFormat).toEqual({ type: 'text' });
    const schema = { type: 'object', properties: { age: { type: 'integer' } }, required: ['age'] };
    expect(answerOf(chat({ format: schema })).request.responseFormat).toEqual({
      type: 'json_schema',
      name: 'format',
      schema,
    });
  });

  it('names format paths in its errors', () => {
    expect(errorOf(() => chat({ format: 'yaml' })).param).toBe('format');
    const err = errorOf(() =>
      chat({ format: { type: 'object', properties: { s: { type: 'string', pattern: 'a+' } } } }),
    );
    expect(err.param).toBe('format.properties.s.pattern');
    expect(err.message).toContain(`'format.properties.s.pattern'`);
  });

  it('maps think to a reasoning effort, and think: false to a flag resolved per model', () => {
    expect(answerOf(chat({ think: true })).request.reasoningEffort).toBe('medium');
    expect(answerOf(chat({ think: 'high' })).request.reasoningEffort).toBe('high');
    const off = answerOf(chat({ think: false }));
    expect(off.request.reasoningEffort).toBeNull();
    expect(off.thinkOff).toBe(true);
    expect(thinkingOff(off.request, ['reasoning', 'tools']).reasoningEffort).toBe('none');
    expect(thinkingOff(off.request, ['tools']).reasoningEffort).toBeNull();
    expect(answerOf(chat()).thinkOff).toBe(false);
  });

  it('accepts keep_alive in both of its forms and changes nothing for it', () => {
    const plain = answerOf(chat()).request;
    expect(answerOf(chat({ keep_alive: '5m' })).request).toEqual(plain);
    expect(answerOf(chat({ keep_alive: -1 })).request).toEqual(plain);
  });

  it('carries logprobs, and the proxima extension into the body', () => {
    const t = answerOf(chat({ logprobs: true, top_logprobs: 3, proxima: { cache: 'off' } }));
    expect(t.request.logprobs).toBe(3);
    expect(t.body['proxima']).toEqual({ cache: 'off' });
    expect(errorOf(() => chat({ top_logprobs: 2 })).param).toBe('top_logprobs');
  });

  it('keeps earlier thinking out of the prompt', () => {
    const t = answerOf(
      chat({}, [user, { role: 'assistant', content: 'ok', thinking: 'let me see' }, user]),
    );
    expect(t.request.messages[1]).toEqual({ role: 'assistant', content: 'ok' });
  });
});

describe('contextShortfall', () => {
  it('refuses num_ctx beyond the largest context, naming options.num_ctx', () => {
    const err = contextShortfall(8192, [2048, 4096]);
    expect(err?.param).toBe('options.num_ctx');
    expect(err?.message).toContain('4096');
    expect(contextShortfall(4096, [2048, 4096])).toBeNull();
    expect(contextShortfall(100_000, [])).toBeNull();
    expect(contextShortfall(null, [1])).toBeNull();
  });
});
