import { FIELD_LIMITS } from '@proxima/core/protocol';
import { describe, expect, it } from 'vitest';
import { engineRequest } from '../engine.case.ts';
import type { GenerateRequest } from '../engine.ts';
import { toolCallsSchema, toolInstructions } from '../llama-tools.ts';
import type { OllamaTarget } from './ollama-models.ts';
import { ollamaCallOf, ollamaMessagesOf, ollamaOptionsOf } from './ollama-request.ts';

const target: OllamaTarget = { name: 'qwen3:8b', reasoning: false };
const thinker: OllamaTarget = { name: 'qwen3:8b', reasoning: true, keepAlive: '10m', numCtx: 8192 };
const request = (over: Partial<GenerateRequest> = {}) => engineRequest('local/qwen3', over);
const TOOL = {
  name: 'get_time',
  description: 'The time in a zone',
  parameters: { type: 'object', properties: { zone: { enum: ['UTC', 'CET'] } } },
};

function chatBody(req: GenerateRequest, to: OllamaTarget = target) {
  const call = ollamaCallOf(req, to);
  if (call.endpoint !== 'chat') throw new Error('expected a chat call');
  return call;
}

describe('ollamaMessagesOf', () => {
  it('sends images as bytes, earlier calls with object arguments, tool answers by name and id', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const messages = ollamaMessagesOf([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: 'What is this?',
        images: [{ mimeType: 'image/png', base64: png.toString('base64') }],
      },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'call_a', name: 'get_time', arguments: '{"zone":"CET"}' },
          { id: 'call_b', name: 'get_weather', arguments: '{"city":"Oslo","days":2}' },
        ],
      },
      { role: 'tool', content: '12:00', toolCallId: 'call_a' },
      { role: 'tool', content: 'Sunny', toolCallId: 'call_b' },
      { role: 'tool', content: 'orphan', toolCallId: 'call_zzz' },
    ]);
    expect(messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is this?', images: [new Uint8Array(png)] },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { id: 'call_a', function: { name: 'get_time', arguments: { zone: 'CET' } } },
          { id: 'call_b', function: { name: 'get_weather', arguments: { city: 'Oslo', days: 2 } } },
        ],
      },
      { role: 'tool', content: '12:00', tool_name: 'get_time', tool_call_id: 'call_a' },
      { role: 'tool', content: 'Sunny', tool_name: 'get_weather', tool_call_id: 'call_b' },
      { role: 'tool', content: 'orphan', tool_call_id: 'call_zzz' },
    ]);
  });

  it('refuses earlier call arguments that are not a JSON object, naming them', () => {
    expect(() =>
      ollamaMessagesOf([
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'f', arguments: '[1]' }] },
      ]),
    ).toThrow(expect.objectContaining({ param: 'messages[1].tool_calls[0].arguments' }));
  });
});

describe('ollamaOptionsOf', () => {
  it('maps sampling, drops empty stops, and bounds num_predict only when bounded', () => {
    expect(
      ollamaOptionsOf(
        request({
          maxTokens: 64,
          temperature: 0.2,
          topP: 0.9,
          seed: 5,
          stop: ['', '\n\n'],
          frequencyPenalty: 0.5,
          presencePenalty: -1,
        }),
        4096,
      ),
    ).toEqual({
      temperature: 0.2,
      top_p: 0.9,
      seed: 5,
      stop: ['\n\n'],
      num_predict: 64,
      frequency_penalty: 0.5,
      presence_penalty: -1,
      num_ctx: 4096,
    });
    const { seed: _seed, ...unseeded } = request({ maxTokens: Number.MAX_SAFE_INTEGER });
    const unbounded = ollamaOptionsOf(unseeded, undefined);
    expect(unbounded).toEqual({ temperature: 0.8, top_p: 0.95 });
    expect(
      ollamaOptionsOf(request({ maxTokens: FIELD_LIMITS.maxTokensCeiling }), undefined),
    ).toMatchObject({ num_predict: FIELD_LIMITS.maxTokensCeiling });
  });
});

describe('ollamaCallOf: chat', () => {
  it('streams to /api/chat, refusing to truncate, with keep_alive and num_ctx of the target', () => {
    const call = chatBody(request({ maxTokens: 9 }), thinker);
    expect(call.forced).toBeUndefined();
    expect(call.body).toEqual({
      model: 'qwen3:8b',
      messages: [
        { role: 'system', content: 'You are a test.' },
        { role: 'user', content: 'Say something.' },
      ],
      options: { temperature: 0.8, top_p: 0.95, seed: 1, num_predict: 9, num_ctx: 8192 },
      keep_alive: '10m',
      truncate: false,
      shift: false,
      stream: true,
    });
  });

  it('turns reasoning effort into think on models that think, and refuses it elsewhere', () => {
    expect(chatBody(request({ reasoningEffort: 'none' }), thinker).body.think).toBe(false);
    expect(chatBody(request({ reasoningEffort: 'low' }), thinker).body.think).toBe(true);
    expect(chatBody(request({ reasoningEffort: 'high' }), thinker).body.think).toBe(true);
    expect('think' in chatBody(request(), thinker).body).toBe(false);
    expect('think' in chatBody(request({ reasoningEffort: 'none' })).body).toBe(false);
    expect(() => ollamaCallOf(request({ reasoningEffort: 'medium' }), target)).toThrow(
      expect.objectContaining({ name: 'InvalidRequestError', param: 'reasoning_effort' }),
    );
  });

  it('sends format "json" or the schema, and logprobs with their alternatives', () => {
    const schema = { type: 'object', properties: { a: { type: 'integer' } } };
    expect(chatBody(request({ responseFormat: { type: 'json_object' } })).body.format).toBe('json');
    expect(chatBody(request({ responseFormat: { type: 'json_schema', schema } })).body.format).toBe(
      schema,
    );
    expect(chatBody(request({ logprobs: 3 })).body).toMatchObject({
      logprobs: true,
      top_logprobs: 3,
    });
    expect(chatBody(request({ logprobs: 0 })).body).toMatchObject({
      logprobs: true,
      top_logprobs: 0,
    });
  });

  it("sends tools for 'auto', none for 'none'", () => {
    const auto = chatBody(request({ tools: [TOOL] }));
    expect(auto.body.tools).toEqual([{ type: 'function', function: TOOL }]);
    expect(auto.forced).toBeUndefined();
    expect(auto.parallelToolCalls).toBe(true);
    expect(chatBody(request({ tools: [TOOL], toolChoice: 'none' })).body.tools).toBeUndefined();
    expect(
      chatBody(request({ tools: [TOOL], toolChoice: 'auto', parallelToolCalls: false }))
        .parallelToolCalls,
    ).toBe(false);
  });

  it("forces 'required' and named calls with a format of the calls, the tools in the system prompt", () => {
    const forced = chatBody(
      request({ tools: [TOOL], toolChoice: { name: 'get_time' }, parallelToolCalls: false }),
    );
    expect(forced.forced).toEqual({
      tools: [TOOL],
      choice: { name: 'get_time' },
      parallel: false,
    });
    expect(forced.body.tools).toBeUndefined();
    expect(forced.body.format).toEqual(toolCallsSchema([TOOL], { name: 'get_time' }, false));
    expect(forced.body.messages[0]).toEqual({
      role: 'system',
      content: `You are a test.\n\n${toolInstructions([TOOL])}`,
    });
    const noSystem = chatBody(
      request({
        messages: [{ role: 'user', content: 'hi' }],
        tools: [TOOL],
        toolChoice: 'required',
      }),
    );
    expect(noSystem.body.messages).toEqual([
      { role: 'system', content: toolInstructions([TOOL]) },
      { role: 'user', content: 'hi' },
    ]);
    expect(() =>
      ollamaCallOf(
        request({ tools: [TOOL], toolChoice: 'required', responseFormat: { type: 'json_object' } }),
        target,
      ),
    ).toThrow(expect.objectContaining({ param: 'response_format' }));
  });

  it('refuses what it cannot send: logit bias, an assistant prefix, bad limits', () => {
    expect(() => ollamaCallOf(request({ logitBias: [[1, 2]] }), target)).toThrow(
      expect.objectContaining({ name: 'InvalidRequestError', param: 'logit_bias' }),
    );
    expect(ollamaCallOf(request({ logitBias: [] }), target).endpoint).toBe('chat');
    expect(() => ollamaCallOf(request({ assistantPrefix: 'So' }), target)).toThrow(/assistant/);
    expect(() => ollamaCallOf(request({ maxTokens: 0 }), target)).toThrow(/maxTokens/);
    expect(() => ollamaCallOf(request({ messages: [] }), target)).toThrow(/messages/);
  });
});

describe('ollamaCallOf: raw completions', () => {
  it('sends a raw prompt raw, and a suffix through the template (Ollama ignores it when raw)', () => {
    const raw = ollamaCallOf(
      request({ messages: [], prompt: { text: 'Once upon a' }, maxTokens: 9 }),
      target,
    );
    expect(raw).toEqual({
      endpoint: 'generate',
      body: {
        model: 'qwen3:8b',
        prompt: 'Once upon a',
        raw: true,
        options: { temperature: 0.8, top_p: 0.95, seed: 1, num_predict: 9 },
        truncate: false,
        shift: false,
        stream: true,
      },
    });
    const fim = ollamaCallOf(
      request({ messages: [], prompt: { text: 'def f(', suffix: '\n  return x' }, logprobs: 2 }),
      target,
    );
    expect(fim.body).toMatchObject({ prompt: 'def f(', suffix: '\n  return x', logprobs: true });
    expect('raw' in fim.body).toBe(false);
    expect('think' in fim.body).toBe(false);
    const onThinker = ollamaCallOf(request({ messages: [], prompt: { text: 'x' } }), thinker);
    expect(onThinker.body).toMatchObject({ think: false, keep_alive: '10m' });
    expect(() =>
      ollamaCallOf(request({ messages: [], prompt: { text: 'x' }, tools: [TOOL] }), target),
    ).toThrow(expect.objectContaining({ param: 'tools' }));
  });
});
