// The local API's OpenAI routes through the official `openai` client, over the real llama engine
// on the demo model.
import { MODEL_CAPABILITIES } from '@proxima/core/protocol';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemaValidator } from '../engine/json-schema-validator.testing.ts';
import { DEMO_MODEL as model, startDemoApi, type DemoApi } from './local-api.testing.ts';

let demo: DemoApi;
let client: OpenAI;

beforeAll(async () => {
  demo = await startDemoApi();
  client = new OpenAI({ baseURL: `${demo.api.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await demo.close();
});

const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Say something.' }];
const SLOW = { timeout: 120_000 };

const WEATHER: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', maxLength: 12 } },
      required: ['city'],
    },
  },
};
const PERSON = {
  type: 'object',
  properties: { name: { type: 'string', maxLength: 10 }, age: { type: 'integer' } },
  required: ['name', 'age'],
  additionalProperties: false,
};

type ProximaModel = OpenAI.Model & {
  proxima?: { context_length: number; capabilities: string[]; kind: string };
};

describe('the local API through the official openai client', () => {
  it("lists the engine's models with Proxima's fields, and retrieves one", async () => {
    const list: ProximaModel[] = [];
    for await (const m of client.models.list()) list.push(m);
    expect(list.map((m) => m.id)).toEqual([model]);
    const expected = {
      context_length: 2048,
      // The engine's capabilities, in core's canonical order (MODEL_CAPABILITIES).
      capabilities: MODEL_CAPABILITIES.filter((c) =>
        demo.engine.models[0]!.capabilities?.includes(c),
      ),
      kind: 'generate',
    };
    expect(expected.capabilities).toContain('fim');
    expect(list[0]).toMatchObject({ object: 'model', owned_by: 'proxima', proxima: expected });
    const one = (await client.models.retrieve(model)) as ProximaModel;
    expect(one.proxima).toEqual(expected);
  });

  it('chats without streaming: text, usage and the reason it stopped', async () => {
    const res = await client.chat.completions.create({ model, messages, max_tokens: 8, seed: 1 });
    expect(res.object).toBe('chat.completion');
    expect(res.id).toMatch(/^chatcmpl-/);
    expect(res.model).toBe(model);
    const choice = res.choices[0]!;
    expect(choice.message.role).toBe('assistant');
    expect(typeof choice.message.content).toBe('string');
    expect(['stop', 'length']).toContain(choice.finish_reason);
    expect(res.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(res.usage?.completion_tokens).toBeLessThanOrEqual(8);
  });

  it('streams the same answer as the whole one for a seed, then usage', async () => {
    const params = { model, messages, max_tokens: 12, seed: 7, temperature: 0.7 };
    const whole = await client.chat.completions.create(params);
    const stream = await client.chat.completions.create({
      ...params,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let role: string | undefined;
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      const c = chunk.choices[0];
      role ??= c?.delta.role;
      text += c?.delta.content ?? '';
      finish = c?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(role).toBe('assistant');
    expect(text).toBe(whole.choices[0]!.message.content);
    expect(finish).toBe(whole.choices[0]!.finish_reason);
    expect(usage).toEqual(whole.usage);
  });

  it('calls a tool it is told to, with arguments its schema accepts', SLOW, async () => {
    const validate = schemaValidator();
    const res = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [WEATHER],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      max_tokens: 400,
      seed: 1,
    });
    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const calls = choice.message.tool_calls ?? [];
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.type).toBe('function');
    if (call.type !== 'function') return;
    expect(call.function.name).toBe('get_weather');
    const args: unknown = JSON.parse(call.function.arguments);
    expect(validate(WEATHER.function.parameters!, args)).toBeNull();
  });

  it('answers with JSON that validates against a json_schema', SLOW, async () => {
    const validate = schemaValidator();
    let finished = 0;
    for (const seed of [1, 2, 3]) {
      const res = await client.chat.completions.create({
        model,
        messages,
        seed,
        max_tokens: 400,
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'person', schema: PERSON, strict: true },
        },
      });
      const choice = res.choices[0]!;
      if (choice.finish_reason !== 'stop') continue;
      finished++;
      const value: unknown = JSON.parse(choice.message.content ?? '');
      expect(validate(PERSON, value), choice.message.content ?? '').toBeNull();
    }
    expect(finished).toBeGreaterThan(0);
  });

  it('returns log probabilities when asked', async () => {
    const res = await client.chat.completions.create({
      model,
      messages,
      max_tokens: 4,
      logprobs: true,
      top_logprobs: 2,
    });
    const content = res.choices[0]!.logprobs?.content ?? [];
    expect(content.length).toBe(res.usage?.completion_tokens);
    for (const entry of content) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top_logprobs).toHaveLength(2);
    }
  });

  it('completes a raw prompt, and fills in the middle with a suffix', async () => {
    const plain = await client.completions.create({ model, prompt: 'def add(a, b):' });
    expect(plain.object).toBe('text_completion');
    expect(plain.id).toMatch(/^cmpl-/);
    // The legacy default of 16 tokens; the demo model rarely samples its end token.
    expect(plain.usage?.completion_tokens).toBeLessThanOrEqual(16);
    const infill = await client.completions.create({
      model,
      prompt: 'def add(a, b):',
      suffix: '\n    return total\n',
      max_tokens: 8,
    });
    expect(typeof infill.choices[0]?.text).toBe('string');
    expect(['stop', 'length']).toContain(infill.choices[0]?.finish_reason);
    // The suffix and the FIM markers are prompt tokens too.
    expect(infill.usage?.prompt_tokens).toBeGreaterThan(plain.usage?.prompt_tokens ?? 0);
  });

  it('streams a completion with echo, the prompt first', async () => {
    const prompt = 'Once upon a';
    const stream = await client.completions.create({
      model,
      prompt,
      echo: true,
      max_tokens: 6,
      stream: true,
    });
    const pieces: string[] = [];
    for await (const chunk of stream) pieces.push(chunk.choices[0]?.text ?? '');
    expect(pieces[0]).toBe(prompt);
    expect(pieces.join('').startsWith(prompt)).toBe(true);
  });

  it('says why a prompt longer than the context is refused, streamed or not', async () => {
    const long = [{ role: 'user' as const, content: 'é'.repeat(1100) }];
    for (const stream of [false, true]) {
      const err = await client.chat.completions
        .create({ model, messages: long, max_tokens: 1, stream })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      const bad = err as InstanceType<typeof OpenAI.BadRequestError>;
      expect(bad.code).toBe('context_length_exceeded');
      expect(bad.param).toBe('messages');
      expect(bad.message).toMatch(
        /The prompt is \d+ tokens and the context window of 'proxima-demo' is 2048 tokens/,
      );
    }
  });
});
