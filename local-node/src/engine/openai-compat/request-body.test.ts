import { parseChatRequest, parseCompletionRequest } from '@proxima/core/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../engine.ts';
import { chatRequestOf, serverRequestOf } from './request-body.ts';

const ALL = ['tools', 'json_schema', 'logprobs', 'penalties', 'logit_bias', 'reasoning'] as const;
const WEATHER = {
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const base: GenerateRequest = {
  model: 'local/qwen',
  messages: [{ role: 'user', content: 'Hi' }],
  maxTokens: Number.MAX_SAFE_INTEGER,
  temperature: 0.7,
  topP: 0.9,
  stop: [],
};

/** What the server receives: JSON text, parsed again. */
const overTheWire = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

describe('serverRequestOf: chat', () => {
  it('sends every field a job sets, under the server’s model name, streamed with usage', () => {
    const req: GenerateRequest = {
      ...base,
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: 'What is this?',
          images: [{ mimeType: 'image/png', base64: 'iVBORw0KGgo=' }],
        },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
        },
        { role: 'tool', content: 'Sunny', toolCallId: 'call_1' },
      ],
      maxTokens: 64,
      stop: ['\n\n'],
      seed: 7,
      frequencyPenalty: 0.5,
      presencePenalty: -0.25,
      logitBias: [[42, -100]],
      logprobs: 3,
      tools: [WEATHER],
      toolChoice: { name: 'get_weather' },
      parallelToolCalls: false,
      reasoningEffort: 'low',
    };
    const sent = serverRequestOf(req, 'qwen2.5:7b', ALL);
    expect(sent.endpoint).toBe('chat');
    expect(sent.body).toEqual({
      model: 'qwen2.5:7b',
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
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
        { role: 'tool', content: 'Sunny', tool_call_id: 'call_1' },
      ],
      max_tokens: 64,
      temperature: 0.7,
      top_p: 0.9,
      stop: ['\n\n'],
      seed: 7,
      frequency_penalty: 0.5,
      presence_penalty: -0.25,
      logit_bias: { '42': -100 },
      logprobs: true,
      top_logprobs: 3,
      tools: [{ type: 'function', function: WEATHER }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      reasoning_effort: 'low',
    });
  });

  it('leaves out what is at its default, max_tokens of an unbounded job included', () => {
    const { body } = serverRequestOf(base, 'm', []);
    expect(body).toEqual({
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Hi' }],
      temperature: 0.7,
      top_p: 0.9,
    });
  });

  it('names a json_schema response format, and asks for the chosen token alone at logprobs 0', () => {
    const schema = { type: 'object', properties: { a: { type: 'integer' } } };
    const { body } = serverRequestOf(
      { ...base, logprobs: 0, responseFormat: { type: 'json_schema', schema } },
      'm',
      ALL,
    );
    expect(body).toMatchObject({
      logprobs: true,
      response_format: { type: 'json_schema', json_schema: { name: 'response', schema } },
    });
    expect(body).not.toHaveProperty('top_logprobs');
    const json = serverRequestOf({ ...base, responseFormat: { type: 'json_object' } }, 'm', ALL);
    expect(json.body).toMatchObject({ response_format: { type: 'json_object' } });
  });

  it('sends tools only to a model that takes them (a tool_choice none job may reach another)', () => {
    const req = { ...base, tools: [WEATHER], toolChoice: 'none' as const };
    expect(serverRequestOf(req, 'm', []).body).not.toHaveProperty('tools');
    expect(serverRequestOf(req, 'm', ['tools']).body).toMatchObject({ tool_choice: 'none' });
  });

  it('refuses to continue an assistant turn: the engine does not announce it', () => {
    expect(() => serverRequestOf({ ...base, assistantPrefix: 'Once' }, 'm', ALL)).toThrow(
      /cannot continue an assistant turn/,
    );
  });
});

describe('serverRequestOf: raw completions', () => {
  it('sends the prompt and suffix as is to the completions endpoint', () => {
    const req: GenerateRequest = {
      ...base,
      messages: [],
      prompt: { text: 'def add(a, b):\n    ', suffix: '\nprint(add(1, 2))' },
      maxTokens: 5,
      logprobs: 2,
    };
    const sent = serverRequestOf(req, 'coder', ['fim', 'logprobs']);
    expect(sent).toEqual({
      endpoint: 'completions',
      body: {
        model: 'coder',
        prompt: 'def add(a, b):\n    ',
        suffix: '\nprint(add(1, 2))',
        stream: true,
        stream_options: { include_usage: true },
        max_tokens: 5,
        temperature: 0.7,
        top_p: 0.9,
        logprobs: 2,
      },
    });
    const parsed = parseCompletionRequest(overTheWire(sent.body));
    expect(parsed.request).toMatchObject({ prompt: req.prompt, maxTokens: 5, logprobs: 2 });
  });
});

/** Jobs as the protocol allows them, small; optional fields absent or set. */
const generateRequest: fc.Arbitrary<GenerateRequest> = fc
  .record(
    {
      user: fc.string({ maxLength: 20 }),
      answer: fc.string({ maxLength: 20 }),
      json: fc.boolean(),
      maxTokens: fc.oneof(fc.integer({ min: 1, max: 4096 }), fc.constant(Number.MAX_SAFE_INTEGER)),
      temperature: fc.double({ min: 0, max: 2, noNaN: true }),
      topP: fc.double({ min: 0.01, max: 1, noNaN: true }),
      stop: fc.array(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 3 }),
      seed: fc.integer({ min: 0, max: 2 ** 31 }),
      // JSON carries -0 as 0.
      frequencyPenalty: fc
        .double({ min: -2, max: 2, noNaN: true })
        .filter((v) => !Object.is(v, -0)),
      logprobs: fc.integer({ min: 0, max: 20 }),
      logitBias: fc.array(fc.tuple(fc.nat(1000), fc.integer({ min: -100, max: 100 })), {
        maxLength: 3,
      }),
    },
    { requiredKeys: ['user', 'json', 'maxTokens', 'temperature', 'topP', 'stop'] },
  )
  .map(({ user, answer, json, ...rest }) => ({
    model: 'm',
    ...rest,
    messages: [
      { role: 'user' as const, content: user },
      ...(answer === undefined ? [] : [{ role: 'assistant' as const, content: answer }]),
    ],
    ...(json ? { responseFormat: { type: 'json_object' as const } } : {}),
  }));

describe('the chat body reads back as the request', () => {
  it('parseChatRequest (what a Proxima server runs) gives chatRequestOf back', () => {
    fc.assert(
      fc.property(generateRequest, (req) => {
        const parsed = parseChatRequest(overTheWire(serverRequestOf(req, 'm', ALL).body));
        const expected = chatRequestOf(req);
        // Object keys of logit_bias come back in their numeric order; a repeated id keeps its last.
        const bias = new Map(expected.logitBias.map(([t, b]) => [t, b]));
        expect(parsed).toEqual({
          ...expected,
          logitBias: [...bias].sort(([a], [b]) => a - b),
        });
      }),
      { seed: 20_261_130, numRuns: 200 },
    );
  });
});
