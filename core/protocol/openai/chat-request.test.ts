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
      frequencyPenalty: 0,
      presencePenalty: 0,
      logitBias: [],
      logprobs: null,
      tools: [],
      toolChoice: 'none',
      parallelToolCalls: true,
      responseFormat: { type: 'text' },
      reasoningEffort: null,
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
    [{ ...ok, frequency_penalty: 2.5 }, 'frequency_penalty'],
    [{ ...ok, logit_bias: { abc: 1 } }, 'logit_bias.abc'],
    [{ ...ok, logit_bias: { '12': 101 } }, 'logit_bias.12'],
    [{ ...ok, top_logprobs: 3 }, 'top_logprobs'],
    [{ ...ok, logprobs: true, top_logprobs: 21 }, 'top_logprobs'],
    [{ ...ok, reasoning_effort: 'extreme' }, 'reasoning_effort'],
    [{ ...ok, tool_choice: 'required' }, 'tool_choice'],
    [{ model: 'm', messages: [{ role: 'tool', content: 'r' }] }, 'messages[0].tool_call_id'],
    [
      { model: 'm', messages: [{ role: 'tool', content: 'r', tool_call_id: 'c1' }] },
      'messages[0].tool_call_id',
    ],
    [{ model: 'm', messages: [{ role: 'assistant' }] }, 'messages[0].content'],
    [
      {
        model: 'm',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }],
      },
      'messages[0].content[0].image_url.url',
    ],
    [
      {
        model: 'm',
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'data:text/plain;base64,aGk=' } }],
          },
        ],
      },
      'messages[0].content[0].image_url.url',
    ],
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
    [{ ...ok, store: true }, 'store'],
    [{ ...ok, metadata: { a: 'b' } }, 'metadata'],
    [{ ...ok, modalities: ['text', 'audio'] }, 'modalities'],
    [{ ...ok, audio: { voice: 'alloy', format: 'mp3' } }, 'audio'],
    [{ ...ok, prediction: { type: 'content', content: 'x' } }, 'prediction'],
    [{ ...ok, service_tier: 'flex' }, 'service_tier'],
    [{ ...ok, verbosity: 'low' }, 'verbosity'],
    [{ ...ok, web_search_options: {} }, 'web_search_options'],
    [{ ...ok, tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'tools[0]'],
    [
      {
        ...ok,
        tools: [
          {
            type: 'function',
            function: {
              name: 'f',
              parameters: { type: 'object', properties: { n: { type: 'integer', minimum: 1 } } },
            },
          },
        ],
      },
      'tools[0].function.parameters.properties.n.minimum',
    ],
    [
      {
        ...ok,
        response_format: {
          type: 'json_schema',
          json_schema: { name: 's', schema: { type: 'string', pattern: '^a' } },
        },
      },
      'response_format.json_schema.schema.pattern',
    ],
    [
      {
        model: 'm',
        messages: [
          {
            role: 'user',
            content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }],
          },
        ],
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

describe('parseChatRequest: tools, structured output, sampling and images', () => {
  const weather = {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } },
        required: ['city'],
        additionalProperties: false,
      },
    },
  };

  it('takes tools with OpenAI defaults: auto, in parallel', () => {
    const req = parseChatRequest({ ...ok, tools: [weather] });
    expect(req.tools).toEqual([
      {
        name: 'get_weather',
        description: 'Weather for a city',
        parameters: weather.function.parameters,
      },
    ]);
    expect(req.toolChoice).toBe('auto');
    expect(req.parallelToolCalls).toBe(true);
    const named = parseChatRequest({
      ...ok,
      tools: [weather],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
    });
    expect(named.toolChoice).toEqual({ name: 'get_weather' });
    expect(named.parallelToolCalls).toBe(false);
  });

  it('maps the deprecated functions and function_call, and allowed_tools', () => {
    const legacy = parseChatRequest({
      ...ok,
      functions: [weather.function],
      function_call: { name: 'get_weather' },
    });
    expect(legacy.tools.map((t) => t.name)).toEqual(['get_weather']);
    expect(legacy.toolChoice).toEqual({ name: 'get_weather' });
    const other = { type: 'function', function: { name: 'other' } };
    const allowed = parseChatRequest({
      ...ok,
      tools: [weather, other],
      tool_choice: {
        type: 'allowed_tools',
        allowed_tools: {
          mode: 'required',
          tools: [{ type: 'function', function: { name: 'other' } }],
        },
      },
    });
    expect(allowed.tools.map((t) => t.name)).toEqual(['other']);
    expect(allowed.tools[0]!.parameters).toEqual({ type: 'object', properties: {} });
    expect(allowed.toolChoice).toBe('required');
    expect(errorOf({ ...ok, tools: [weather], functions: [weather.function] }).param).toBe(
      'functions',
    );
    expect(errorOf({ ...ok, tools: [weather, weather] }).param).toBe('tools[1].function.name');
    expect(
      errorOf({
        ...ok,
        tools: [weather],
        tool_choice: { type: 'function', function: { name: 'nope' } },
      }).param,
    ).toBe('tool_choice');
  });

  it('carries a tool round trip: assistant tool_calls, then the tool answer', () => {
    const req = parseChatRequest({
      model: 'm',
      tools: [weather],
      messages: [
        { role: 'user', content: 'weather in Oslo?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"c":-3}' },
      ],
    });
    expect(req.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
      },
      { role: 'tool', content: '{"c":-3}', toolCallId: 'call_1' },
    ]);
    const badArgs = errorOf({
      model: 'm',
      messages: [
        {
          role: 'assistant',
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }],
        },
      ],
    });
    expect(badArgs.param).toBe('messages[0].tool_calls[0].function.arguments');
  });

  it('takes json_object and json_schema, and refuses them beside tool calls', () => {
    expect(
      parseChatRequest({ ...ok, response_format: { type: 'json_object' } }).responseFormat,
    ).toEqual({
      type: 'json_object',
    });
    const schema = { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] };
    expect(
      parseChatRequest({
        ...ok,
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'thing', schema, strict: true },
        },
      }).responseFormat,
    ).toEqual({ type: 'json_schema', name: 'thing', schema });
    const both = errorOf({ ...ok, tools: [weather], response_format: { type: 'json_object' } });
    expect([both.code, both.param]).toEqual(['unsupported_parameter', 'response_format']);
    expect(
      parseChatRequest({
        ...ok,
        tools: [weather],
        tool_choice: 'none',
        response_format: { type: 'json_object' },
      }).responseFormat.type,
    ).toBe('json_object');
  });

  it('takes penalties, logit_bias, logprobs and reasoning_effort', () => {
    const req = parseChatRequest({
      ...ok,
      frequency_penalty: 0.5,
      presence_penalty: -1,
      logit_bias: { '42': -100, '7': 3.5 },
      logprobs: true,
      top_logprobs: 5,
      reasoning_effort: 'low',
    });
    expect([req.frequencyPenalty, req.presencePenalty]).toEqual([0.5, -1]);
    expect(req.logitBias).toEqual([
      [7, 3.5],
      [42, -100],
    ]);
    expect(req.logprobs).toBe(5);
    expect(parseChatRequest({ ...ok, logprobs: true }).logprobs).toBe(0);
    expect(parseChatRequest({ ...ok, logprobs: false }).logprobs).toBeNull();
    expect(req.reasoningEffort).toBe('low');
  });

  it('takes image parts in user messages as data or URLs', () => {
    const req = parseChatRequest({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'low' } },
          ],
        },
      ],
    });
    expect(req.messages[0]).toEqual({
      role: 'user',
      content: 'what is this?',
      images: [
        { kind: 'data', mimeType: 'image/png', base64: 'iVBORw0KGgo=' },
        { kind: 'url', url: 'https://example.com/cat.jpg' },
      ],
    });
    const inSystem = errorOf({
      model: 'm',
      messages: [
        {
          role: 'system',
          content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }],
        },
      ],
    });
    expect(inSystem.param).toBe('messages[0].content');
  });

  it('accepts identifiers and caching hints that change no answer', () => {
    const req = parseChatRequest({
      ...ok,
      user: 'u1',
      safety_identifier: 'h1',
      prompt_cache_key: 'k',
      service_tier: 'auto',
      store: false,
      modalities: ['text'],
    });
    expect(req.model).toBe('m');
  });
});
