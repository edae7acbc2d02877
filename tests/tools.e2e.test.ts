// Tool calling on the real fleet (edge in workerd, a node running llama.cpp on the random-weight
// demo model), through the official openai client: every tool_choice, streamed and not, checked
// the way a client relies on them. The calls come from a grammar, so they must parse and validate
// whatever the weights; which tool and which arguments is the model's (seeded) choice.
import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { schemaValidator } from '../local-node/src/engine/json-schema-validator.testing.ts';
import { demoVocabulary } from '../local-node/src/model/demo-vocab.ts';
import { callsOf, collectChatStream, type AssembledCall } from './chat-stream.ts';
import { useTestFleet } from './fleet.ts';
import { badRequest } from './openai-errors.ts';

const f = useTestFleet();
const model = 'proxima-demo';
const messages: OpenAI.ChatCompletionMessageParam[] = [
  { role: 'user', content: 'What is the weather in Paris, and the time there?' },
];
// Bounded strings: a random model's argument always ends well inside max_tokens.
const weatherParams = {
  type: 'object',
  properties: { city: { type: 'string', maxLength: 12 }, unit: { enum: ['c', 'f'] } },
  required: ['city', 'unit'],
  additionalProperties: false,
};
const timeParams = {
  type: 'object',
  properties: { zone: { type: 'string', maxLength: 8 } },
  required: ['zone'],
};
const tools: OpenAI.ChatCompletionFunctionTool[] = [
  {
    type: 'function',
    function: { name: 'get_weather', description: 'Weather for a city', parameters: weatherParams },
  },
  { type: 'function', function: { name: 'get_time', parameters: timeParams } },
];
const schemas: Record<string, Record<string, unknown>> = {
  get_weather: weatherParams,
  get_time: timeParams,
};
const SEEDS = [1, 2, 3];
const max_tokens = 600;
const validate = schemaValidator();

/** What every forced answer must hold: known names, arguments valid for them, unique ids. */
function expectValidCalls(calls: readonly AssembledCall[], names: readonly string[]): void {
  expect(calls.length).toBeGreaterThan(0);
  for (const call of calls) {
    expect(names).toContain(call.name);
    expect(call.id).not.toBe('');
    const args: unknown = JSON.parse(call.arguments);
    expect(validate(schemas[call.name]!, args)).toBeNull();
  }
  expect(new Set(calls.map((c) => c.id)).size).toBe(calls.length);
}

/** The calls without their ids (fresh on every request), to compare two runs of one seed. */
const withoutIds = (calls: readonly AssembledCall[]) =>
  calls.map(({ name, arguments: args }) => ({ name, arguments: args }));

type Choice = OpenAI.ChatCompletionToolChoiceOption;
const forced: Array<[string, Choice, string[]]> = [
  ['required', 'required', ['get_weather', 'get_time']],
  ['a named function', { type: 'function', function: { name: 'get_time' } }, ['get_time']],
];

describe.each(forced)('tool_choice %s', (_, tool_choice, names) => {
  const params = { model, messages, tools, tool_choice, max_tokens };

  it('answers only calls, valid for their tools, streamed exactly as not streamed', async () => {
    const ids: string[] = [];
    for (const seed of SEEDS) {
      const whole = await f.client.chat.completions.create({ ...params, seed });
      const choice = whole.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      expect(choice.message.content ?? '').toBe('');
      const calls = callsOf(choice.message);
      expectValidCalls(calls, names);

      const streamed = await collectChatStream(
        await f.client.chat.completions.create({ ...params, seed, stream: true }),
      );
      expect(streamed.finish).toBe('tool_calls');
      expect(streamed.content).toBe('');
      expectValidCalls(streamed.toolCalls, names);
      // Never dropped or altered on the way: the same seed writes the same calls.
      expect(withoutIds(streamed.toolCalls)).toEqual(withoutIds(calls));
      ids.push(...calls.map((c) => c.id), ...streamed.toolCalls.map((c) => c.id));
    }
    expect(new Set(ids).size).toBe(ids.length); // every call of every answer has its own id
  });

  it("assembles in the openai client's stream helper", async () => {
    const seed = SEEDS[0]!;
    const final = await f.client.chat.completions
      .stream({ ...params, seed, stream: true })
      .finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    const calls = callsOf(final.choices[0]!.message);
    expectValidCalls(calls, names);
    const whole = await f.client.chat.completions.create({ ...params, seed });
    expect(withoutIds(calls)).toEqual(withoutIds(callsOf(whole.choices[0]!.message)));
  });
});

describe('parallel_tool_calls', () => {
  // A tool without arguments, and the ',' token pushed up: where the grammar allows a comma, that
  // is between calls, so the model tends to write several.
  const pong: OpenAI.ChatCompletionFunctionTool = {
    type: 'function',
    function: {
      name: 'pong',
      parameters: { type: 'object', properties: {}, additionalProperties: false },
    },
  };
  const comma = demoVocabulary().tokens.indexOf('<0x2C>');
  const params = (bias: number) => ({
    model,
    messages,
    tools: [pong],
    tool_choice: 'required' as const,
    max_tokens,
    logit_bias: { [comma]: bias },
  });

  it('on, the pushed comma makes several calls in some answers, each with its own id', async () => {
    const counts: number[] = [];
    for (const seed of SEEDS) {
      const res = await f.client.chat.completions.create({ ...params(7), seed });
      const calls = callsOf(res.choices[0]!.message);
      expectValidPong(calls);
      counts.push(calls.length);
      if (calls.length > 1) {
        const streamed = await collectChatStream(
          await f.client.chat.completions.create({ ...params(7), seed, stream: true }),
        );
        expect(streamed.toolCalls).toHaveLength(calls.length);
        expectValidPong(streamed.toolCalls);
      }
    }
    expect(Math.max(...counts)).toBeGreaterThan(1);
  });

  it('false: one call at most, however hard the comma is pushed, streamed and not', async () => {
    for (const [seed, bias] of [
      [1, 7],
      [2, 7],
      [3, 100],
    ] as const) {
      const p = { ...params(bias), parallel_tool_calls: false, seed };
      const res = await f.client.chat.completions.create(p);
      expect(res.choices[0]?.finish_reason).toBe('tool_calls');
      expect(callsOf(res.choices[0]!.message)).toHaveLength(1);
      const streamed = await collectChatStream(
        await f.client.chat.completions.create({ ...p, stream: true }),
      );
      expect(streamed.toolCalls).toHaveLength(1);
    }
  });

  function expectValidPong(calls: readonly AssembledCall[]): void {
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect([c.name, c.arguments]).toEqual(['pong', '{}']);
    expect(new Set(calls.map((c) => c.id)).size).toBe(calls.length);
  }
});

describe("tool_choice 'none' and 'auto'", () => {
  const plain = { model, messages, max_tokens: 24 };

  it("'none': text only, exactly the answer without tools (they stay out of the prompt)", async () => {
    for (const seed of SEEDS.slice(0, 2)) {
      const without = await f.client.chat.completions.create({ ...plain, seed });
      const none = await f.client.chat.completions.create({
        ...plain,
        seed,
        tools,
        tool_choice: 'none',
      });
      const choice = none.choices[0]!;
      expect(choice.message.tool_calls ?? []).toEqual([]);
      expect(['stop', 'length']).toContain(choice.finish_reason);
      expect(choice.message.content).toBe(without.choices[0]?.message.content);
      const streamed = await collectChatStream(
        await f.client.chat.completions.create({
          ...plain,
          seed,
          tools,
          tool_choice: 'none',
          stream: true,
        }),
      );
      expect(streamed.toolCalls).toEqual([]);
      expect(streamed.content).toBe(choice.message.content);
    }
  });

  it("'auto': the tools reach the model, which answers in text or in valid calls", async () => {
    const without = await f.client.chat.completions.create({ ...plain, seed: 1 });
    for (const seed of SEEDS) {
      // Calls take some 50 tokens: enough room for them, not for a long stretch of noise.
      const p = { ...plain, max_tokens: 96, seed, tools, tool_choice: 'auto' as const };
      const res = await f.client.chat.completions.create(p);
      expect(res.usage?.prompt_tokens).toBeGreaterThan(without.usage?.prompt_tokens ?? Infinity);
      const choice = res.choices[0]!;
      const streamed = await collectChatStream(
        await f.client.chat.completions.create({ ...p, stream: true }),
      );
      expect(streamed.finish).toBe(choice.finish_reason);
      if (choice.finish_reason === 'tool_calls') {
        expectValidCalls(callsOf(choice.message), ['get_weather', 'get_time']);
        expect(withoutIds(streamed.toolCalls)).toEqual(withoutIds(callsOf(choice.message)));
      } else {
        expect(['stop', 'length']).toContain(choice.finish_reason);
        expect(choice.message.tool_calls ?? []).toEqual([]);
        expect(choice.message.content).not.toBe('');
        expect(streamed.content).toBe(choice.message.content);
        expect(streamed.toolCalls).toEqual([]);
      }
    }
  });
});

describe('a round trip: the calls and their results go back to the model', () => {
  const first = (seed: number) =>
    f.client.chat.completions.create({
      model,
      messages,
      tools,
      tool_choice: 'required',
      max_tokens,
      seed,
    });
  const results = (
    calls: readonly AssembledCall[],
    content: string,
  ): OpenAI.ChatCompletionToolMessageParam[] =>
    calls.map((c) => ({ role: 'tool', tool_call_id: c.id, content }));

  it('answers the results in text, streamed and not', async () => {
    const assistant = (await first(1)).choices[0]!.message;
    const calls = callsOf(assistant);
    const params = (content: string) => ({
      model,
      messages: [...messages, assistant, ...results(calls, content)],
      tools,
      tool_choice: 'auto' as const,
      max_tokens: 16,
      seed: 1,
    });
    const answer = await f.client.chat.completions.create(params('1'));
    expect(['stop', 'length']).toContain(answer.choices[0]?.finish_reason);
    expect(answer.choices[0]?.message.content).not.toBe('');
    const streamed = await collectChatStream(
      await f.client.chat.completions.create({ ...params('1'), stream: true }),
    );
    expect(streamed.content).toBe(answer.choices[0]?.message.content);
    // The results reach the prompt: 49 more digits in each, 49 more (byte) tokens or more.
    const longer = await f.client.chat.completions.create(params('1'.repeat(50)));
    expect(longer.usage!.prompt_tokens - answer.usage!.prompt_tokens).toBeGreaterThanOrEqual(
      49 * calls.length,
    );
  });

  it('refuses a result that answers no call, naming it', async () => {
    const res = await first(2);
    const assistant = res.choices[0]!.message;
    const history = [
      ...messages,
      assistant,
      { role: 'tool' as const, tool_call_id: 'call_unknown', content: 'x' },
    ];
    const err = await badRequest(
      f.client.chat.completions.create({ model, messages: history, tools, max_tokens: 4 }),
    );
    expect(err.param).toBe('messages[2].tool_call_id');
  });

  it.each([false, true])(
    "runs in the openai client's runTools loop (stream: %s)",
    async (stream) => {
      const seen: unknown[] = [];
      const runnable = tools.map((t) => ({
        type: 'function' as const,
        function: {
          name: t.function.name,
          description: t.function.description ?? '',
          parameters: t.function.parameters!,
          parse: (raw: string): object => JSON.parse(raw) as object,
          function: (args: object) => {
            seen.push(args);
            return { ok: true };
          },
        },
      }));
      // 'required' every turn: the second request carries the first one's calls and results.
      const body = {
        model,
        messages,
        tools: runnable,
        tool_choice: 'required' as const,
        max_tokens,
      };
      const options = { maxChatCompletions: 2 };
      const runner = stream
        ? f.client.chat.completions.runTools(
            { ...body, seed: 3, stream, stream_options: { include_usage: true } },
            options,
          )
        : f.client.chat.completions.runTools({ ...body, seed: 3 }, options);
      await runner.done();
      const completions = runner.allChatCompletions();
      expect(completions).toHaveLength(2);
      const calls = completions.flatMap((c) => callsOf(c.choices[0]!.message));
      expectValidCalls(calls, ['get_weather', 'get_time']);
      expect(seen).toHaveLength(calls.length);
      expect(runner.messages.filter((m) => m.role === 'tool')).toHaveLength(calls.length);
      expect(completions[1]!.usage!.prompt_tokens).toBeGreaterThan(
        completions[0]!.usage!.prompt_tokens,
      );
    },
  );
});

describe('tools outside what the grammar can enforce', () => {
  it('400 naming the keyword path inside the parameters', async () => {
    const err = await badRequest(
      f.client.chat.completions.create({
        model,
        messages,
        tools: [
          {
            type: 'function',
            function: {
              name: 'age',
              parameters: {
                type: 'object',
                properties: { years: { type: 'integer', minimum: 0 } },
              },
            },
          },
        ],
      }),
    );
    expect(err.param).toBe('tools[0].function.parameters.properties.years.minimum');
  });
});
