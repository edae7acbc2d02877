import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../model/demo-gguf.ts';
import { demoVocabulary } from '../model/demo-vocab.ts';
import { collectGeneration, engineContract, engineRequest } from './engine.case.ts';
import type { GenerateRequest } from './engine.ts';
import { createLlamaEngine, type LlamaEngine } from './llama-engine.ts';
import { speculates } from './llama-speculation.ts';
import { VOCABULARY_SIZE_TOLERANCE } from './llama-vocabulary.ts';

/** Speculative decoding on demo models: greedy output is what it is without it. */
const SLOW = { timeout: 180_000 };
let dir = '';
let demoPath = '';
let otherPath = '';
let plain: LlamaEngine;
let lookup: LlamaEngine;
let draft: LlamaEngine; // another demo model (other seed, same vocabulary) drafts
let selfDraft: LlamaEngine; // the model drafts for itself, always: most drafts are kept
const options = { gpu: 'auto', contextSize: 2048, slots: 2 } as const;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-llama-speculation-'));
  demoPath = (await writeDemoModel(join(dir, 'demo.gguf'), { seed: 1 })).path;
  otherPath = (await writeDemoModel(join(dir, 'other.gguf'), { seed: 2 })).path;
  plain = await createLlamaEngine({ modelPath: demoPath, ...options });
  lookup = await createLlamaEngine({ modelPath: demoPath, ...options, promptLookup: true });
  draft = await createLlamaEngine({ modelPath: demoPath, ...options, draftModelPath: otherPath });
  selfDraft = await createLlamaEngine({
    modelPath: demoPath,
    ...options,
    draftModelPath: demoPath,
    draftMinConfidence: 0,
  });
}, 60_000);
afterAll(async () => {
  await Promise.all([plain, lookup, draft, selfDraft].map((e) => e.close()));
  await rm(dir, { recursive: true, force: true });
});

const REPEATED = 'the cat sat on the mat and the dog sat on the log. '.repeat(10);
/** A request without a seed unless `over` gives one. */
function greedy(over: Partial<GenerateRequest> = {}): GenerateRequest {
  const { seed: _seed, ...base } = engineRequest('demo', {
    messages: [{ role: 'user', content: REPEATED }],
    maxTokens: 200,
    temperature: 0,
  });
  return { ...base, ...over };
}
/** What a run said: text, tool calls without their random ids, and how it ended. */
async function outcome(engine: LlamaEngine, req: GenerateRequest) {
  const run = await collectGeneration(engine, req);
  const calls = run.events.flatMap((e) =>
    e.type === 'delta' ? (e.toolCalls ?? []).map((c) => [c.name, c.arguments]) : [],
  );
  return { text: run.text, calls, done: run.done };
}

const CASES: Record<string, Partial<GenerateRequest>> = {
  chat: {},
  'raw completion': { prompt: { text: REPEATED } },
  'json_object answer': { responseFormat: { type: 'json_object' } },
  'required tool call': {
    tools: [{ name: 'get_weather', description: 'w', parameters: { type: 'object' } }],
    toolChoice: 'required',
  },
  penalties: { frequencyPenalty: 1.2, presencePenalty: 0.5 },
  'a stop string': { stop: ['a'] },
};

describe('speculative decoding at temperature 0', () => {
  for (const [name, over] of Object.entries(CASES)) {
    it(`gives token for token the same ${name} with and without it`, SLOW, async () => {
      const req = greedy(over);
      const expected = await outcome(plain, req);
      expect(expected.done.usage.completionTokens).toBeGreaterThan(0);
      for (const engine of [lookup, draft, selfDraft])
        expect(await outcome(engine, req)).toEqual(expected);
    });
  }

  it('counts validated and refuted predictions per job and in total', SLOW, async () => {
    const before = selfDraft.speculation();
    await outcome(selfDraft, greedy());
    const after = selfDraft.speculation();
    expect(after.kind).toBe('draft');
    expect(after.jobs).toBe(before.jobs + 1);
    const last = after.last;
    if (last === null) throw new Error('no per-job counts');
    // The model drafting for itself greedily: most drafts are what it samples.
    expect(last.validated).toBeGreaterThan(10);
    expect(after.validated).toBe(before.validated + last.validated);
    expect(after.refuted).toBe(before.refuted + last.refuted);
    expect(after.acceptanceRate).toBeCloseTo(after.validated / (after.validated + after.refuted));
    const lookupStats = lookup.speculation();
    expect(lookupStats.kind).toBe('prompt-lookup');
    expect(lookupStats.jobs).toBeGreaterThan(0);
    expect(plain.speculation()).toMatchObject({ kind: 'off', jobs: 0, acceptanceRate: null });
  });

  it(
    'keeps a seed reproducible at temperature 1, with a draft model and with prompt lookup',
    SLOW,
    async () => {
      const req = greedy({ temperature: 1, seed: 7, maxTokens: 120 });
      for (const engine of [selfDraft, lookup]) {
        const a = await outcome(engine, req);
        expect(await outcome(engine, req)).toEqual(a);
      }
      // With a draft model, a seeded sampling request sat speculation out to keep that promise.
      expect(selfDraft.speculation().skipped).toBeGreaterThanOrEqual(2);
    },
  );

  it('samples unseeded requests at temperature 1 with speculation on', SLOW, async () => {
    const before = selfDraft.speculation().jobs;
    const run = await outcome(selfDraft, greedy({ temperature: 1, maxTokens: 64 }));
    expect(run.done.usage.completionTokens).toBe(64);
    expect(selfDraft.speculation().jobs).toBe(before + 1);
  });
});

// Contract requests are seeded at temperature 0.8, so there the draft model mostly sits out;
// prompt lookup predicts on every one.
engineContract('node-llama-cpp with prompt lookup', () => ({
  engine: lookup,
  model: 'demo',
  probeToken: { id: demoVocabulary().tokens.indexOf('in'), text: 'in' },
}));
engineContract('node-llama-cpp with a draft model drafting always', () => ({
  engine: selfDraft,
  model: 'demo',
  probeToken: { id: demoVocabulary().tokens.indexOf('in'), text: 'in' },
}));

describe('closing while drafting', () => {
  it(
    'leaves nothing failing in the background (vitest fails on an unhandled rejection)',
    SLOW,
    async () => {
      for (let i = 0; i < 6; i++) {
        const engine = await createLlamaEngine({
          modelPath: demoPath,
          ...options,
          draftModelPath: i % 2 === 0 ? demoPath : otherPath,
          draftMinConfidence: 0,
        });
        const runs = [0, 1].map(async () => {
          const req = greedy({ maxTokens: 1000, temperature: i % 3 === 0 ? 0 : 0.8 });
          try {
            for await (const ev of engine.generate(req, new AbortController().signal)) void ev;
            return 'done';
          } catch (err) {
            return (err as Error).name;
          }
        });
        await new Promise((r) => setTimeout(r, 60 + 40 * i));
        await engine.close();
        expect(await Promise.all(runs)).toEqual(['AbortError', 'AbortError']);
      }
      await new Promise((r) => setTimeout(r, 200)); // room for a late failure to surface
    },
  );
});

describe('speculation options', () => {
  it('refuses a draft model whose vocabulary differs, naming the difference', SLOW, async () => {
    const extra = Array.from({ length: VOCABULARY_SIZE_TOLERANCE + 1 }, (_, i) => `<x${i}>`);
    const larger = await writeDemoModel(join(dir, 'larger.gguf'), { seed: 3, extraTokens: extra });
    // The target has fewer tokens than the draft: the draft could propose ids it lacks.
    await expect(
      createLlamaEngine({ modelPath: demoPath, gpu: 'off', draftModelPath: larger.path }),
    ).rejects.toThrow(
      /draft model .*larger\.gguf cannot draft .* vocabularies differ: the draft model has tokens the target lacks/,
    );
    // The other way round: more than llama.cpp's tolerance apart.
    await expect(
      createLlamaEngine({ modelPath: larger.path, gpu: 'off', draftModelPath: demoPath }),
    ).rejects.toThrow(/vocabulary sizes differ by more than 128/);
  });

  it('refuses both kinds at once, and bad draft options', async () => {
    await expect(
      createLlamaEngine({
        modelPath: demoPath,
        gpu: 'off',
        promptLookup: true,
        draftModelPath: otherPath,
      }),
    ).rejects.toThrow(/a draft model or prompt lookup, not both/);
    await expect(
      createLlamaEngine({
        modelPath: demoPath,
        gpu: 'off',
        draftModelPath: join(dir, 'none.gguf'),
      }),
    ).rejects.toThrow(/draft model file not found/);
    await expect(
      createLlamaEngine({
        modelPath: demoPath,
        gpu: 'off',
        draftModelPath: otherPath,
        draftMinConfidence: 1,
      }),
    ).rejects.toThrow(/draftMinConfidence must be in \[0, 1\)/);
    await expect(
      createLlamaEngine({ modelPath: demoPath, gpu: 'off', draftMinConfidence: 0.5 }),
    ).rejects.toThrow(/draftMinConfidence needs draftModelPath/);
  });
});

describe('speculates', () => {
  it('sits out only seeded sampling with a draft model', () => {
    expect(speculates('off', { temperature: 0, seeded: false })).toBe(false);
    expect(speculates('prompt-lookup', { temperature: 1, seeded: true })).toBe(true);
    expect(speculates('draft', { temperature: 0, seeded: true })).toBe(true);
    expect(speculates('draft', { temperature: 1, seeded: false })).toBe(true);
    expect(speculates('draft', { temperature: 1, seeded: true })).toBe(false);
  });
});
