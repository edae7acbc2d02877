import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../model/demo-gguf.ts';
import { demoVocabulary } from '../model/demo-vocab.ts';
import type { GenerateRequest } from './engine.ts';
import { collectGeneration, engineContract, engineRequest } from './engine.case.ts';
import { createLlamaEngine, longestTokenBytes, type LlamaEngine } from './llama-engine.ts';

let dir = '';
let modelPath = '';
let engine: LlamaEngine;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-llama-engine-'));
  modelPath = (await writeDemoModel(join(dir, 'proxima-demo.gguf'), { seed: 1 })).path;
  engine = await createLlamaEngine({ modelPath, gpu: 'auto', contextSize: 2048, slots: 2 });
});
afterAll(async () => {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

const request = (over: Partial<GenerateRequest> = {}) => engineRequest('proxima-demo', over);
const collect = (req: GenerateRequest, signal?: AbortSignal) =>
  collectGeneration(engine, req, signal);

engineContract('node-llama-cpp with the demo model', () => ({
  engine,
  model: 'proxima-demo',
  // "in" is one piece of the demo vocabulary (demo-vocab.ts), and no byte token spells it.
  probeToken: { id: demoVocabulary().tokens.indexOf('in'), text: 'in' },
}));

describe('createLlamaEngine with the demo model', () => {
  it('describes the model from its GGUF metadata and reports its GPU', async () => {
    expect(engine.models).toEqual([
      {
        id: 'proxima-demo',
        contextSize: 2048,
        description: expect.stringMatching(/demo model with random weights/) as unknown,
        // The demo vocabulary's longest entries are byte tokens like "<0x00>": 6 bytes of text
        // (its FIM control tokens are longer, but never come from prompt text).
        maxPromptBytes: 2048 * 6,
        // No chat template mentions <think>: no 'reasoning'. Never 'vision'.
        capabilities: ['tools', 'json_schema', 'penalties', 'logit_bias', 'logprobs', 'fim'],
      },
    ]);
    const info = await engine.info();
    expect(info.engine).toBe('node-llama-cpp');
    expect(['cpu', 'cuda', 'vulkan', 'metal']).toContain(info.gpu);
    expect(info.vramTotalBytes).toBeGreaterThanOrEqual(info.vramFreeBytes);
    expect(info.vramFreeBytes).toBeGreaterThanOrEqual(0);
  });

  it('seeds each unseeded request at random: two at temperature 1 differ', async () => {
    // node-llama-cpp alone seeds with the current second: these two would answer alike.
    const { seed: _seed, ...unseeded } = request({ maxTokens: 48, temperature: 1 });
    const [a, b] = await Promise.all([collect(unseeded), collect(unseeded)]);
    expect(a.done.usage.completionTokens).toBe(48);
    expect(a.text).not.toBe(b.text);
  });

  it('is reproducible for a seed', async () => {
    const a = await collect(request({ maxTokens: 24, seed: 42 }));
    const b = await collect(request({ maxTokens: 24, seed: 42 }));
    expect(b.text).toBe(a.text);
  });

  it('counts prompt tokens exactly and refuses a prompt longer than the context', async () => {
    const ask = (content: string) =>
      collect(request({ messages: [{ role: 'user', content }], maxTokens: 1 }));
    const base = await ask('Say something.');
    // "é" is not a vocabulary piece, so each one falls back to its two UTF-8 byte tokens.
    const longer = await ask('Say something.ééé');
    expect(longer.done.usage.promptTokens - base.done.usage.promptTokens).toBe(6);
    await expect(ask('é'.repeat(1100))).rejects.toThrow(
      /prompt is \d+ tokens; the context holds 2048/,
    );
  });

  it('rejects requests for another model or with bad limits', async () => {
    await expect(collect(request({ model: 'gpt-4o' }))).rejects.toThrow(/unknown model 'gpt-4o'/);
    await expect(collect(request({ maxTokens: 0 }))).rejects.toThrow(/maxTokens/);
  });
});

describe('createLlamaEngine options', () => {
  it('names the model from its file but labels it from metadata', async () => {
    const renamed = join(dir, 'My Model.gguf');
    await copyFile(modelPath, renamed);
    const other = await createLlamaEngine({ modelPath: renamed, gpu: 'off', contextSize: 128 });
    try {
      expect(other.models[0]?.id).toBe('my-model');
      expect(other.models[0]?.description).toMatch(/demo model with random weights/);
      expect(other.models[0]?.maxPromptBytes).toBe((other.models[0]?.contextSize ?? 0) * 6);
      expect((await other.info()).gpu).toBe('cpu');
    } finally {
      await other.close();
    }
  });

  it('bounds what one token can cover by its vocabulary', () => {
    expect(longestTokenBytes(['a', '▁the', '<0x00>'])).toBe(6);
    expect(longestTokenBytes(['é'])).toBe(2);
    expect(longestTokenBytes([])).toBeUndefined();
    expect(longestTokenBytes(undefined)).toBeUndefined();
    // Control tokens (type 3) are skipped: prompt text never turns into them.
    expect(longestTokenBytes(['ab', '<|fim_prefix|>'], [1, 3])).toBe(2);
  });

  it('fails clearly on a missing file, a non-GGUF file and bad values', async () => {
    await expect(
      createLlamaEngine({ modelPath: join(dir, 'nope.gguf'), gpu: 'auto' }),
    ).rejects.toThrow(/model file not found: .*nope\.gguf/);
    const text = join(dir, 'notes.gguf');
    await writeFile(text, 'hello, not a model');
    await expect(createLlamaEngine({ modelPath: text, gpu: 'auto' })).rejects.toThrow(
      /not a GGUF file/,
    );
    await expect(createLlamaEngine({ modelPath: dir, gpu: 'auto' })).rejects.toThrow(/not a file/);
    await expect(createLlamaEngine({ modelPath, gpu: 'tpu' as unknown as 'auto' })).rejects.toThrow(
      /gpu must be one of auto, cuda, vulkan, metal, off; got "tpu"/,
    );
    await expect(createLlamaEngine({ modelPath, gpu: 'auto', slots: 0 })).rejects.toThrow(
      /slots must be a positive integer/,
    );
    await expect(createLlamaEngine({ modelPath, gpu: 'auto', contextSize: 1.5 })).rejects.toThrow(
      /contextSize must be a positive integer/,
    );
  });

  it("fits 'auto' slots to free memory: on the CPU, min(cores, 8) for a model this small", async () => {
    const auto = await createLlamaEngine({
      modelPath,
      gpu: 'off',
      contextSize: 512,
      slots: 'auto',
    });
    try {
      // A few MB of context per slot against gigabytes of RAM: the cap decides.
      const expected = Math.min(availableParallelism(), 8);
      expect(auto.slots()).toBe(expected);
      await auto.info(); // reads free memory again
      expect(auto.slots()).toBe(expected);
      const runs = await Promise.all(
        Array.from({ length: expected + 1 }, () =>
          collectGeneration(auto, request({ maxTokens: 8 })),
        ),
      );
      for (const run of runs) expect(run.done.usage.completionTokens).toBe(8);
    } finally {
      await auto.close();
    }
    expect(engine.slots()).toBe(2); // a fixed count stays what it was
    await expect(
      createLlamaEngine({ modelPath, gpu: 'off', slots: 'many' as unknown as 'auto' }),
    ).rejects.toThrow(/slots must be a positive integer or 'auto', got 'many'/);
  });

  it('close() aborts in-flight generations and waits for them', async () => {
    const other = await createLlamaEngine({ modelPath, gpu: 'off', contextSize: 2048 });
    const stream = other.generate(request({ maxTokens: 4000 }), new AbortController().signal);
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next(); // generation is running (or already ended on EOS)
    await other.close();
    if (first.done !== true && first.value.type === 'delta') {
      const rest = (async () => {
        for (;;) if ((await it.next()).done) return;
      })();
      await rest.then(
        () => undefined, // ended on EOS before the abort landed
        (err: unknown) => expect((err as Error).name).toBe('AbortError'),
      );
    }
    await expect(
      (async () => {
        for await (const ev of other.generate(request(), new AbortController().signal)) void ev;
      })(),
    ).rejects.toThrow(/closed/);
  });

  it.skipIf(process.platform === 'darwin')('refuses metal where there is none', async () => {
    await expect(createLlamaEngine({ modelPath, gpu: 'metal' })).rejects.toThrow(/gpu 'metal'/);
  });
});
