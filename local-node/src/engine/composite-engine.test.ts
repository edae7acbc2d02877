import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoModel } from '../model/demo-gguf.ts';
import { demoVocabulary } from '../model/demo-vocab.ts';
import { CompositeEngine } from './composite-engine.ts';
import { engineContract } from './engine.case.ts';
import {
  InvalidRequestError,
  type EmbedRequest,
  type Engine,
  type EngineInfo,
  type EngineModel,
} from './engine.ts';
import { createLlamaEngine } from './llama-engine.ts';

/** A fixture engine: embeds each input as [its length, its first char code]; never generates. */
function lengthEmbedder(id: string, info: Partial<EngineInfo> = {}): Engine & { closed: number } {
  return {
    closed: 0,
    models: [{ id, kind: 'embed', contextSize: 64, description: 'lengths', capabilities: [] }],
    info: () =>
      Promise.resolve({
        engine: 'fixture',
        gpu: 'cpu',
        vramTotalBytes: 0,
        vramFreeBytes: 0,
        ...info,
      }),
    generate: () => ({
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.reject(new InvalidRequestError('an embedding model', 'model')),
      }),
    }),
    embed: (req: EmbedRequest) =>
      Promise.resolve({
        vectors: req.inputs.map((t) => Float32Array.of(t.length, t.charCodeAt(0))),
        promptTokens: req.inputs.join('').length,
      }),
    async close() {
      this.closed++;
      await Promise.resolve();
    },
  };
}

let dir = '';
let llama: Engine;
let composite: CompositeEngine;
const embedder = lengthEmbedder('lengths');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-composite-'));
  const modelPath = (await writeDemoModel(join(dir, 'proxima-demo.gguf'), { seed: 1 })).path;
  llama = await createLlamaEngine({ modelPath, gpu: 'auto', contextSize: 2048, slots: 2 });
  composite = new CompositeEngine([
    { name: 'llama.cpp', engine: llama },
    { name: 'fixture', engine: embedder },
  ]);
});
afterAll(async () => {
  await composite.close();
  await rm(dir, { recursive: true, force: true });
});

engineContract('a composite of node-llama-cpp and an embedder', () => ({
  engine: composite,
  model: 'proxima-demo',
  probeToken: { id: demoVocabulary().tokens.indexOf('in'), text: 'in' },
}));

describe('CompositeEngine', () => {
  it("lists every engine's models and names the engines", () => {
    expect(composite.models.map((m: EngineModel) => [m.id, m.kind ?? 'generate'])).toEqual([
      ['proxima-demo', 'generate'],
      ['lengths', 'embed'],
    ]);
    expect(composite.name).toBe('llama.cpp+fixture');
  });

  it('sends an embedding to the engine serving its model', async () => {
    const signal = new AbortController().signal;
    const out = await composite.embed({ model: 'lengths', inputs: ['ab', 'xyz'] }, signal);
    expect(out.vectors.map((v) => [...v])).toEqual([
      [2, 97],
      [3, 120],
    ]);
    await expect(composite.embed({ model: 'proxima-demo', inputs: ['a'] }, signal)).rejects.toThrow(
      /does not make embeddings/,
    );
  });

  it('refuses a model no engine serves, naming the field', async () => {
    const run = async () => {
      for await (const ev of composite.generate(
        {
          model: 'nope',
          messages: [{ role: 'user', content: 'hi' }],
          maxTokens: 1,
          temperature: 0,
          topP: 1,
          stop: [],
        },
        new AbortController().signal,
      ))
        void ev;
    };
    await expect(run()).rejects.toMatchObject({ name: 'InvalidRequestError', param: 'model' });
  });

  it('refuses two engines serving one model id', () => {
    expect(
      () =>
        new CompositeEngine([
          { name: 'a', engine: lengthEmbedder('same') },
          { name: 'b', engine: lengthEmbedder('same') },
        ]),
    ).toThrow(/'same' is served by both a and b/);
  });

  it('continues an assistant turn only when every generating engine can', () => {
    const silent = {
      ...lengthEmbedder('g'),
      models: [{ id: 'g', contextSize: 8, description: '' }],
    };
    expect(composite.continuesAssistant).toBe(llama.continuesAssistant === true);
    expect(
      new CompositeEngine([
        { name: 'llama.cpp', engine: llama },
        { name: 'other', engine: silent },
      ]).continuesAssistant,
    ).toBe(false);
  });

  it('never overstates VRAM when engines share a GPU', async () => {
    const c = new CompositeEngine([
      {
        name: 'a',
        engine: lengthEmbedder('a', { gpu: 'cuda', vramTotalBytes: 8e9, vramFreeBytes: 5e9 }),
      },
      {
        name: 'b',
        engine: lengthEmbedder('b', { gpu: 'cuda', vramTotalBytes: 8e9, vramFreeBytes: 3e9 }),
      },
      { name: 'c', engine: lengthEmbedder('c', { gpu: 'remote' }) },
    ]);
    expect(await c.info()).toEqual({
      engine: 'a+b+c',
      gpu: 'cuda+remote',
      vramTotalBytes: 8e9,
      vramFreeBytes: 3e9,
    });
  });

  it('closes every engine even when one fails', async () => {
    const a = lengthEmbedder('a');
    const failing = { ...lengthEmbedder('b'), close: () => Promise.reject(new Error('stuck')) };
    await expect(
      new CompositeEngine([
        { name: 'a', engine: a },
        { name: 'b', engine: failing },
      ]).close(),
    ).rejects.toThrow('stuck');
    expect(a.closed).toBe(1);
  });
});
