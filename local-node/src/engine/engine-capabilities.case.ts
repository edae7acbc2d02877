import type { LogprobEntry, ModelCapability, ToolCallDelta } from '@proxima/core/protocol';
import { describe, expect, it, type TestContext } from 'vitest';
import type { EngineFixture } from './engine.case.ts';
import { collectGeneration, engineRequest } from './engine.case.ts';
import type { GenerateEvent, GenerateRequest } from './engine.ts';
import { schemaValidator } from './json-schema-validator.testing.ts';

/**
 * What an engine must do for each capability it announces for a model (EngineModel.capabilities):
 * the node routes jobs needing one only to models listing it, so listing it is a promise. Cases
 * for capabilities the model does not list are skipped.
 */

const WEATHER = {
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string', maxLength: 12 }, days: { type: 'integer' } },
    required: ['city'],
  },
};
const CLOCK = {
  name: 'get_time',
  description: 'The time in a zone',
  parameters: { type: 'object', properties: { zone: { enum: ['UTC', 'CET'] } } },
};
const TOOLS = [WEATHER, CLOCK];
const PERSON = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 10 },
    age: { type: 'integer' },
    tags: { type: 'array', items: { enum: ['a', 'b'] }, maxItems: 3 },
  },
  required: ['name', 'age'],
  additionalProperties: false,
};

const toolCallsOf = (events: readonly GenerateEvent[]): ToolCallDelta[] =>
  events.flatMap((e) => (e.type === 'delta' ? (e.toolCalls ?? []) : []));
const logprobsOf = (events: readonly GenerateEvent[]): LogprobEntry[] =>
  events.flatMap((e) => (e.type === 'delta' ? (e.logprobs ?? []) : []));
const reasoningOf = (events: readonly GenerateEvent[]): string =>
  events.map((e) => (e.type === 'delta' ? (e.reasoning ?? '') : '')).join('');

/** Share of tokens that repeat an earlier one. */
export function repeatRate(entries: readonly LogprobEntry[]): number {
  const seen = new Set<string>();
  let repeats = 0;
  for (const e of entries) {
    const key = `${e.token}\u0000${e.bytes.join(',')}`;
    if (seen.has(key)) repeats++;
    seen.add(key);
  }
  return entries.length === 0 ? 0 : repeats / entries.length;
}

/** Generous: these cases run many generations, and CI machines are shared and slow. */
const SLOW = { timeout: 120_000 };

/** `only`: run just these capabilities' cases (an engine already covered for the rest). */
export function engineCapabilityContract(
  name: string,
  fixture: () => EngineFixture,
  only?: readonly ModelCapability[],
): void {
  const request = (over: Partial<GenerateRequest> = {}) => engineRequest(fixture().model, over);
  const collect = (req: GenerateRequest) => collectGeneration(fixture().engine, req);
  const validate = schemaValidator();
  /** Skips the case unless the model announces `cap`. */
  const needs = (ctx: TestContext, cap: ModelCapability): void => {
    const { engine, model } = fixture();
    const caps = engine.models.find((m) => m.id === model)?.capabilities ?? [];
    if (!caps.includes(cap) || (only !== undefined && !only.includes(cap))) ctx.skip();
  };
  const checkCalls = (calls: readonly ToolCallDelta[]) => {
    expect(new Set(calls.map((c) => c.id)).size).toBe(calls.length);
    calls.forEach((c, i) => {
      expect(c.index).toBe(i);
      expect(c.id).toMatch(/^call_[A-Za-z0-9_-]+$/);
      const tool = TOOLS.find((t) => t.name === c.name);
      expect(tool, c.name).toBeDefined();
      expect(validate(tool!.parameters, JSON.parse(c.arguments)), c.arguments).toBeNull();
    });
  };

  describe(`Engine capability contract: ${name}`, () => {
    it(
      'answers a raw completion (no template) and stops at maxTokens, counting exactly',
      SLOW,
      async (ctx) => {
        if (only !== undefined) ctx.skip();
        const run = await collect(
          request({ messages: [], prompt: { text: 'Once upon a' }, maxTokens: 9 }),
        );
        expect(run.done).toMatchObject({ finishReason: 'length', usage: { completionTokens: 9 } });
        expect(run.done.usage.promptTokens).toBeGreaterThan(0);
      },
    );

    it(
      "json_schema: json_object parses; a schema's output validates; a cut JSON ends 'length'",
      SLOW,
      async (ctx) => {
        needs(ctx, 'json_schema');
        let finished = 0;
        for (const seed of [1, 2, 3]) {
          const obj = await collect(
            request({ seed, maxTokens: 400, responseFormat: { type: 'json_object' } }),
          );
          if (obj.done.finishReason === 'stop') {
            const value: unknown = JSON.parse(obj.text);
            expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
          }
          const run = await collect(
            request({
              seed,
              maxTokens: 400,
              responseFormat: { type: 'json_schema', schema: PERSON },
            }),
          );
          if (run.done.finishReason !== 'stop') continue;
          finished++;
          expect(validate(PERSON, JSON.parse(run.text)), run.text).toBeNull();
        }
        expect(finished).toBeGreaterThan(0);
        const cut = await collect(
          request({ maxTokens: 3, responseFormat: { type: 'json_schema', schema: PERSON } }),
        );
        expect(cut.done.finishReason).toBe('length');
        expect(() => JSON.parse(cut.text) as unknown).toThrow();
      },
    );

    it(
      "tools 'required': one or more calls whose arguments match their tool, then 'tool_calls'",
      SLOW,
      async (ctx) => {
        needs(ctx, 'tools');
        for (const seed of [1, 2, 3]) {
          const run = await collect(
            request({ seed, maxTokens: 400, tools: TOOLS, toolChoice: 'required' }),
          );
          expect(run.done.finishReason).toBe('tool_calls');
          expect(run.text).toBe('');
          const calls = toolCallsOf(run.events);
          expect(calls.length).toBeGreaterThanOrEqual(1);
          checkCalls(calls);
        }
      },
    );

    it('tools: a named tool, and exactly one call without parallel calls', SLOW, async (ctx) => {
      needs(ctx, 'tools');
      for (const seed of [1, 2]) {
        const named = await collect(
          request({ seed, maxTokens: 400, tools: TOOLS, toolChoice: { name: 'get_time' } }),
        );
        const calls = toolCallsOf(named.events);
        expect(calls.map((c) => c.name)).toEqual(calls.map(() => 'get_time'));
        checkCalls(calls);
        const single = await collect(
          request({
            seed,
            maxTokens: 400,
            tools: TOOLS,
            toolChoice: 'required',
            parallelToolCalls: false,
          }),
        );
        expect(toolCallsOf(single.events)).toHaveLength(1);
        checkCalls(toolCallsOf(single.events));
      }
    });

    it("tools 'auto': text or calls, whichever came is well-formed", SLOW, async (ctx) => {
      needs(ctx, 'tools');
      for (const seed of [1, 2, 3]) {
        const run = await collect(
          request({ seed, maxTokens: 60, tools: TOOLS, toolChoice: 'auto' }),
        );
        const calls = toolCallsOf(run.events);
        if (calls.length > 0) {
          expect(run.done.finishReason).toBe('tool_calls');
          checkCalls(calls);
        } else expect(['stop', 'length']).toContain(run.done.finishReason);
      }
    });

    it(
      'tools: earlier calls and their results are part of the prompt (multi-turn)',
      SLOW,
      async (ctx) => {
        needs(ctx, 'tools');
        const asked = [{ role: 'user' as const, content: 'Weather in Oslo?' }];
        const called = [
          ...asked,
          {
            role: 'assistant' as const,
            content: '',
            toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
          },
        ];
        const answered = [
          ...called,
          { role: 'tool' as const, content: 'Sunny, 21 C', toolCallId: 'call_1' },
        ];
        const count = async (messages: GenerateRequest['messages']) =>
          (await collect(request({ messages, tools: TOOLS, maxTokens: 4 }))).done.usage
            .promptTokens;
        const [a, b, c] = [await count(asked), await count(called), await count(answered)];
        expect(b).toBeGreaterThan(a);
        expect(c).toBeGreaterThan(b);
        const next = await collect(request({ messages: answered, tools: TOOLS, maxTokens: 8 }));
        expect(next.done.usage.completionTokens).toBeGreaterThan(0);
      },
    );

    it(
      'logprobs: one entry per token, each <= 0, alternatives sorted and holding the choice',
      SLOW,
      async (ctx) => {
        needs(ctx, 'logprobs');
        for (const temperature of [0, 0.8]) {
          const run = await collect(request({ temperature, maxTokens: 24, logprobs: 20 }));
          const entries = logprobsOf(run.events);
          expect(run.done.finishReason).toBe('length');
          expect(entries).toHaveLength(run.done.usage.completionTokens);
          for (const e of entries) {
            expect(e.logprob).toBeLessThanOrEqual(0);
            expect(e.top.length).toBeGreaterThan(0);
            expect(e.top.length).toBeLessThanOrEqual(20);
            for (let i = 1; i < e.top.length; i++)
              expect(e.top[i]!.logprob).toBeLessThanOrEqual(e.top[i - 1]!.logprob);
            // The list is the whole distribution up to 20: the sampled token is in it.
            expect(e.top.some((t) => t.logprob === e.logprob && t.token === e.token)).toBe(true);
            // Greedy picks the most likely token.
            if (temperature === 0) expect(e.top[0]!.logprob).toBe(e.logprob);
          }
        }
        const none = await collect(request({ maxTokens: 8, logprobs: 0 }));
        for (const e of logprobsOf(none.events)) expect(e.top).toEqual([]);
        expect(logprobsOf((await collect(request({ maxTokens: 8 }))).events)).toEqual([]);
      },
    );

    it(
      'penalties: frequency and presence penalties change repetition, in both directions',
      SLOW,
      async (ctx) => {
        needs(ctx, 'penalties');
        needs(ctx, 'logprobs'); // tokens are told apart by their log-probability entries
        const rate = async (over: Partial<GenerateRequest>) => {
          let sum = 0;
          for (const seed of [1, 2, 3]) {
            const run = await collect(request({ seed, maxTokens: 96, logprobs: 0, ...over }));
            sum += repeatRate(logprobsOf(run.events));
          }
          return sum / 3;
        };
        const plain = await rate({});
        expect(await rate({ frequencyPenalty: 2 })).toBeLessThan(plain);
        expect(await rate({ presencePenalty: 2 })).toBeLessThan(plain);
        expect(await rate({ frequencyPenalty: -2 })).toBeGreaterThan(plain);
      },
    );

    it(
      'logit_bias: +100 makes the output that token; an id outside the vocabulary is refused',
      SLOW,
      async (ctx) => {
        needs(ctx, 'logit_bias');
        const probe = fixture().probeToken;
        if (probe === undefined) ctx.skip();
        const run = await collect(request({ maxTokens: 6, logitBias: [[probe!.id, 100]] }));
        expect(run.text).toBe(probe!.text.repeat(6));
        await expect(collect(request({ logitBias: [[2 ** 31 - 1, 5]] }))).rejects.toMatchObject({
          name: 'InvalidRequestError',
          message: expect.stringMatching(/logit_bias/) as unknown,
        });
      },
    );

    it(
      'fim: fills the middle between a prompt and a suffix, both counted as prompt',
      SLOW,
      async (ctx) => {
        needs(ctx, 'fim');
        const prompt = { text: 'def add(a, b):\n    ' };
        const plain = await collect(request({ messages: [], prompt, maxTokens: 5 }));
        const fim = await collect(
          request({
            messages: [],
            prompt: { ...prompt, suffix: '\n\nprint(add(1, 2))\n' },
            maxTokens: 5,
          }),
        );
        expect(fim.done).toMatchObject({ finishReason: 'length', usage: { completionTokens: 5 } });
        expect(fim.done.usage.promptTokens).toBeGreaterThan(plain.done.usage.promptTokens + 3);
      },
    );

    it("reasoning: 'none' answers without reasoning; any effort is accepted", SLOW, async (ctx) => {
      needs(ctx, 'reasoning');
      const none = await collect(request({ maxTokens: 24, reasoningEffort: 'none' }));
      expect(reasoningOf(none.events)).toBe('');
      for (const reasoningEffort of ['low', 'high'] as const) {
        const run = await collect(request({ maxTokens: 8, reasoningEffort }));
        expect(run.done.usage.completionTokens).toBe(8);
      }
    });
  });
}
