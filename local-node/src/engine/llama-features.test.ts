import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitThink, type LogprobEntry } from '@proxima/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../model/demo-gguf.ts';
import { demoVocabulary, EOS_ID } from '../model/demo-vocab.ts';
import { engineCapabilityContract } from './engine-capabilities.case.ts';
import { collectGeneration, engineRequest } from './engine.case.ts';
import type { Engine, GenerateEvent, GenerateRequest } from './engine.ts';
import { createLlamaEngine } from './llama-engine.ts';
import { promptOpensThinking, reasoningPrefill, templateReasons } from './llama-reasoning.ts';

/** What the llama engine does beyond the shared contract, on demo models. */
const SLOW = { timeout: 120_000 };
let dir = '';
let plain: Engine; // the demo model
let thinking: Engine; // a demo model whose vocabulary has <think> tokens, run with reasoning on
let raw: Engine; // the same file, reasoning off: the text as the model wrote it
const THINK = ['<think>', '</think>'];
const [OPEN_ID, CLOSE_ID] = THINK.map((t) => demoVocabulary(THINK).tokens.indexOf(t)) as [
  number,
  number,
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-llama-features-'));
  const demo = await writeDemoModel(join(dir, 'demo.gguf'), { seed: 1 });
  const fixture = await writeDemoModel(join(dir, 'thinker.gguf'), { seed: 1, extraTokens: THINK });
  let n = 0;
  plain = await createLlamaEngine({ modelPath: demo.path, gpu: 'auto', contextSize: 2048 });
  thinking = await createLlamaEngine({
    modelPath: fixture.path,
    gpu: 'auto',
    contextSize: 2048,
    reasoning: true,
    newCallId: () => `call_test${++n}`,
  });
  raw = await createLlamaEngine({ modelPath: fixture.path, gpu: 'auto', contextSize: 1024 });
}, 60_000);
afterAll(async () => {
  // Unset when loading timed out: close what was made.
  await Promise.all(
    [plain, thinking, raw].map(async (e) => {
      await (e as Engine | undefined)?.close();
    }),
  );
  await rm(dir, { recursive: true, force: true });
});

// The shared contract's reasoning cases, on an engine that announces 'reasoning'.
engineCapabilityContract(
  'node-llama-cpp with reasoning on',
  () => ({ engine: thinking, model: 'thinker' }),
  ['reasoning'],
);

const logprobsOf = (events: readonly GenerateEvent[]): LogprobEntry[] =>
  events.flatMap((e) => (e.type === 'delta' ? (e.logprobs ?? []) : []));
const reasoningOf = (events: readonly GenerateEvent[]): string =>
  events.map((e) => (e.type === 'delta' ? (e.reasoning ?? '') : '')).join('');

describe('llama engine: logit_bias', () => {
  const request = (over: Partial<GenerateRequest>) => engineRequest('demo', over);

  it('-100 on the most frequent token removes it', SLOW, async () => {
    const pieces = new Set(
      demoVocabulary().tokens.filter((t) => t.length > 1 && !t.startsWith('<')),
    );
    const base = { seed: 4, temperature: 0.8, maxTokens: 96, logprobs: 0 };
    const counts = new Map<string, number>();
    for (const e of logprobsOf((await collectGeneration(plain, request(base))).events))
      if (pieces.has(e.token)) counts.set(e.token, (counts.get(e.token) ?? 0) + 1);
    // A multi-character piece: no byte token has the same text, so its entries are its own.
    const [top, seen] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    expect(seen).toBeGreaterThan(1);
    const id = demoVocabulary().tokens.indexOf(top);
    const banned = await collectGeneration(plain, request({ ...base, logitBias: [[id, -100]] }));
    const tokens = logprobsOf(banned.events).map((e) => e.token);
    expect(tokens).toHaveLength(96);
    expect(tokens).not.toContain(top);
  });

  it('refuses a bias on the end-of-generation token, which node-llama-cpp cannot apply', async () => {
    await expect(
      collectGeneration(plain, request({ logitBias: [[EOS_ID, -100]] })),
    ).rejects.toThrow(/logit_bias: token id 2 ends generation/);
  });
});

describe('llama engine: structured output and tools', () => {
  it('refuses a schema that admits no value, naming response_format', async () => {
    await expect(
      collectGeneration(
        plain,
        engineRequest('demo', {
          responseFormat: { type: 'json_schema', schema: { type: 'string', const: 3 } },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidRequestError', param: 'response_format' });
  });

  it('takes tool call ids from the injected source', async () => {
    const run = await collectGeneration(
      thinking,
      engineRequest('thinker', {
        maxTokens: 300,
        tools: [{ name: 'ping', description: '', parameters: { type: 'object', properties: {} } }],
        toolChoice: 'required',
        parallelToolCalls: false,
      }),
    );
    const calls = run.events.flatMap((e) => (e.type === 'delta' ? (e.toolCalls ?? []) : []));
    expect(calls).toEqual([{ index: 0, id: 'call_test1', name: 'ping', arguments: '{}' }]);
  });

  it(
    'measures tokens/s with and without a json_schema grammar (max_tokens 128)',
    SLOW,
    async () => {
      // An unbounded string: the grammar is active for (nearly) all 128 tokens. Runs alternate, so
      // load from other processes falls on both kinds alike; medians of 8 each.
      const schema = {
        type: 'object',
        properties: { notes: { type: 'string' } },
        required: ['notes'],
      };
      const once = async (seed: number, over: Partial<GenerateRequest>) => {
        const started = performance.now();
        const run = await collectGeneration(
          plain,
          engineRequest('demo', { seed, maxTokens: 128, ...over }),
        );
        // The string may close early: the rate is over the tokens actually sampled.
        const tokens = run.done.usage.completionTokens;
        expect(tokens).toBeGreaterThan(32);
        return tokens / ((performance.now() - started) / 1000);
      };
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
      await once(0, {}); // warm-up: the grammar is built and cached here too
      await once(0, { responseFormat: { type: 'json_schema', schema } });
      const free: number[] = [];
      const constrained: number[] = [];
      for (let seed = 1; seed <= 8; seed++) {
        free.push(await once(seed, {}));
        constrained.push(await once(seed, { responseFormat: { type: 'json_schema', schema } }));
      }
      console.info(
        `demo model, max_tokens 128, median of 8 alternating runs: ${median(free).toFixed(0)} ` +
          `tokens/s free, ${median(constrained).toFixed(0)} tokens/s under a json_schema grammar`,
      );
      expect(median(constrained)).toBeGreaterThan(0);
    },
  );
});

describe('llama engine: reasoning', () => {
  it('announces reasoning for a model that reasons, and only then', () => {
    expect(thinking.models[0]?.capabilities).toContain('reasoning');
    expect(raw.models[0]?.capabilities).not.toContain('reasoning');
    expect(plain.models[0]?.capabilities).not.toContain('vision');
  });

  it(
    'splits <think> sections out of the stream exactly as the splitter does the raw text',
    SLOW,
    async () => {
      let both = 0;
      for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
        // The tags' output rows are zero: a bias makes the model write them now and then.
        const over = {
          seed,
          maxTokens: 48,
          logitBias: [
            [OPEN_ID, 9],
            [CLOSE_ID, 9],
          ] as [number, number][],
        };
        const split = await collectGeneration(
          thinking,
          engineRequest('thinker', { ...over, reasoningEffort: 'high' }),
        );
        const whole = await collectGeneration(raw, engineRequest('thinker', over));
        const reasoning = reasoningOf(split.events);
        expect({ text: split.text, reasoning }).toEqual(splitThink(whole.text));
        expect(split.done).toEqual(whole.done);
        if (reasoning !== '' && split.text !== '') both++;
      }
      expect(both).toBeGreaterThan(0); // some run had a section and text around it
    },
  );

  it("effort 'none' prefills an empty, closed section: the answer comes without reasoning", async () => {
    const none = await collectGeneration(
      thinking,
      engineRequest('thinker', { maxTokens: 24, reasoningEffort: 'none' }),
    );
    const high = await collectGeneration(
      thinking,
      engineRequest('thinker', { maxTokens: 24, reasoningEffort: 'high' }),
    );
    expect(reasoningOf(none.events)).toBe('');
    expect(none.text).not.toBe('');
    // The prefill is prompt: two tag tokens and the blank lines around them.
    expect(none.done.usage.promptTokens).toBeGreaterThan(high.done.usage.promptTokens + 2);
  });

  it('knows reasoning models by their template and templates that open the section', () => {
    expect(templateReasons('{{ "<think>\\n" }}')).toBe(true);
    expect(templateReasons('{{ messages }}')).toBe(false);
    expect(templateReasons(undefined)).toBe(false);
    expect(promptOpensThinking('<|Assistant|><think>\n')).toBe(true);
    expect(promptOpensThinking('<think>\n\n</think>\n\n')).toBe(false);
    expect(reasoningPrefill('none')).toBe('<think>\n\n</think>\n\n');
    expect(reasoningPrefill('low')).toBe('');
  });

  it('refuses reasoning_effort for a model that does not reason', async () => {
    await expect(
      collectGeneration(raw, engineRequest('thinker', { reasoningEffort: 'low' })),
    ).rejects.toThrow(/reasoning_effort/);
  });
});
