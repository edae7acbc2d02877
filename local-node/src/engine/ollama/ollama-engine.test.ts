// The Ollama engine against a second, real node: the node's local API (its Ollama routes) over
// the llama engine on the demo model, and a small fixture embedding engine beside it.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalApi, type LocalApi } from '../../local-api/server.ts';
import { writeDemoModel } from '../../model/demo-gguf.ts';
import { CompositeEngine } from '../composite-engine.ts';
import {
  collectGeneration,
  expectCloseStopsAndRefuses,
  engineContract,
  engineRequest,
} from '../engine.case.ts';
import type { EmbedRequest, Engine, GenerateEvent, GenerateRequest } from '../engine.ts';
import { createLlamaEngine } from '../llama-engine.ts';
import { createOllamaEngine, type OllamaEngine } from './ollama-engine.ts';

/** A fixture embedding engine: each vector is computed from its input's characters. */
function fixtureVector(text: string, dims: number): Float32Array {
  const v = new Float32Array(dims);
  for (const [i, ch] of [...text].entries()) v[i % dims]! += (ch.codePointAt(0) ?? 0) / 1000;
  return v;
}
const EMBED_DIMS = 8;
const fixtureEmbedder: Engine = {
  models: [
    {
      id: 'tiny-embed',
      kind: 'embed',
      contextSize: 64,
      description: 'fixture embedding model',
      capabilities: ['embeddings'],
    },
  ],
  info: () =>
    Promise.resolve({ engine: 'fixture', gpu: 'cpu', vramTotalBytes: 0, vramFreeBytes: 0 }),
  generate: () => {
    throw new Error('the fixture only embeds');
  },
  embed: (req: EmbedRequest) =>
    Promise.resolve({
      vectors: req.inputs.map((t) => fixtureVector(t, req.dimensions ?? EMBED_DIMS)),
      promptTokens: req.inputs.reduce((n, t) => n + [...t].length, 0),
    }),
  close: () => Promise.resolve(),
};

/** A fixture chat engine that always calls get_time, and keeps the requests it was sent. */
const TIME_TOOL = {
  name: 'get_time',
  description: 'The time in a zone',
  parameters: { type: 'object', properties: { zone: { enum: ['UTC', 'CET'] } } },
};
const callerSaw: GenerateRequest[] = [];
const fixtureCaller: Engine = {
  models: [
    {
      id: 'tool-caller',
      contextSize: 512,
      description: 'fixture that calls get_time',
      capabilities: ['tools'],
    },
  ],
  info: () =>
    Promise.resolve({ engine: 'fixture', gpu: 'cpu', vramTotalBytes: 0, vramFreeBytes: 0 }),
  async *generate(req: GenerateRequest): AsyncGenerator<GenerateEvent> {
    callerSaw.push(req);
    await Promise.resolve();
    yield {
      type: 'delta',
      text: '',
      toolCalls: [{ index: 0, id: 'call_fixture', name: 'get_time', arguments: '{"zone":"CET"}' }],
    };
    yield {
      type: 'done',
      finishReason: 'tool_calls',
      usage: { promptTokens: 3, completionTokens: 4 },
    };
  },
  close: () => Promise.resolve(),
};

let dir = '';
let llama: Engine;
let node: Engine;
let api: LocalApi;
let engine: OllamaEngine;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-ollama-engine-'));
  const modelPath = (await writeDemoModel(join(dir, 'proxima-demo.gguf'), { seed: 1 })).path;
  llama = await createLlamaEngine({ modelPath, gpu: 'auto', contextSize: 2048, slots: 2 });
  node = new CompositeEngine([
    { name: 'llama.cpp', engine: llama },
    { name: 'fixture', engine: fixtureEmbedder },
    { name: 'fixture', engine: fixtureCaller },
  ]);
  api = await startLocalApi({ engine: node, host: '127.0.0.1', port: 0 });
  engine = await createOllamaEngine({ host: api.url, slots: 2 });
}, 120_000);
afterAll(async () => {
  await engine.close();
  await api.close();
  await node.close();
  await rm(dir, { recursive: true, force: true });
});

const request = (over: Partial<GenerateRequest> = {}) => engineRequest('proxima-demo', over);
const collect = (req: GenerateRequest, signal?: AbortSignal) =>
  collectGeneration(engine, req, signal);

engineContract("ollama engine on a node's local API (llama demo model)", () => ({
  engine,
  model: 'proxima-demo',
}));

/** A port nothing listens on: one the system just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('createOllamaEngine on a node', () => {
  it('announces the models with their context and capabilities, and its slots', async () => {
    expect(engine.slots).toBe(2);
    expect(engine.continuesAssistant).toBe(false);
    expect(engine.models).toMatchObject([
      {
        id: 'proxima-demo',
        contextSize: 2048,
        description: `proxima-demo on the Ollama server at ${api.url}`,
        // The node says tools and insert (FIM); version 0.12.0 has logprobs; never logit_bias.
        capabilities: ['tools', 'json_schema', 'penalties', 'logprobs', 'fim'],
      },
      { id: 'tiny-embed', kind: 'embed', contextSize: 64, capabilities: ['embeddings'] },
      {
        id: 'tool-caller',
        contextSize: 512,
        capabilities: ['tools', 'json_schema', 'penalties', 'logprobs'],
      },
    ]);
    // The node reports its models loaded but no sizes: nothing tells the GPU.
    expect(await engine.info()).toEqual({
      engine: 'ollama',
      gpu: 'unknown',
      vramTotalBytes: 0,
      vramFreeBytes: 0,
    });
  });

  it('embeds through /api/embed, vectors exactly as the serving engine made them', async () => {
    const inputs = ['hello', 'a longer sentence, with punctuation.'];
    const res = await engine.embed!(
      { model: 'tiny-embed', inputs, dimensions: 4 },
      new AbortController().signal,
    );
    expect(res.vectors).toEqual(inputs.map((t) => fixtureVector(t, 4)));
    expect(res.promptTokens).toBe(inputs.join('').length);
    await expect(
      engine.embed!({ model: 'proxima-demo', inputs: ['x'] }, new AbortController().signal),
    ).rejects.toMatchObject({ name: 'InvalidRequestError', param: 'model' });
    await expect(collect(request({ model: 'tiny-embed' }))).rejects.toMatchObject({
      name: 'InvalidRequestError',
      param: 'model',
    });
  });

  it('carries tool calls and their answers both ways over the wire', async () => {
    const messages: GenerateRequest['messages'] = [
      { role: 'user', content: 'Time?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call_prev', name: 'get_time', arguments: '{"zone":"UTC"}' }],
      },
      { role: 'tool', content: '12:00', toolCallId: 'call_prev' },
    ];
    const run = await collectGeneration(
      engine,
      engineRequest('tool-caller', { messages, tools: [TIME_TOOL] }),
    );
    expect(run.done).toEqual({
      type: 'done',
      finishReason: 'tool_calls',
      usage: { promptTokens: 3, completionTokens: 4 },
    });
    expect(run.events.flatMap((e) => (e.type === 'delta' ? (e.toolCalls ?? []) : []))).toEqual([
      {
        index: 0,
        id: expect.stringMatching(/^call_[0-9a-f]{24}$/) as unknown,
        name: 'get_time',
        arguments: '{"zone":"CET"}',
      },
    ]);
    expect(callerSaw.at(-1)).toMatchObject({ messages, tools: [TIME_TOOL] });
  });

  it('refuses a prompt longer than the context with ContextOverflowError', async () => {
    // "é" is two byte tokens of the demo vocabulary: 2200 of them cannot fit 2048.
    const long = request({ messages: [{ role: 'user', content: 'é'.repeat(1100) }] });
    await expect(collect(long)).rejects.toMatchObject({
      name: 'ContextOverflowError',
      contextSize: 2048,
    });
  });

  it('cancelling one request leaves the others running', async () => {
    const cancelled = new AbortController();
    const doomed = collect(request({ maxTokens: 100_000 }), cancelled.signal);
    const kept = collect(request({ maxTokens: 30, seed: 7 }));
    setTimeout(() => cancelled.abort(), 50);
    await expect(doomed).rejects.toMatchObject({ name: 'AbortError' });
    const { done } = await kept;
    expect(done).toMatchObject({ finishReason: 'length', usage: { completionTokens: 30 } });
  });

  it('refuses what Ollama has no field for, before sending anything', async () => {
    await expect(collect(request({ logitBias: [[5, 1]] }))).rejects.toMatchObject({
      name: 'InvalidRequestError',
      param: 'logit_bias',
    });
    await expect(collect(request({ reasoningEffort: 'high' }))).rejects.toMatchObject({
      name: 'InvalidRequestError',
      param: 'reasoning_effort',
    });
    await expect(collect(request({ assistantPrefix: 'Hi' }))).rejects.toThrow(/assistant/);
  });

  it('serves the models named, under a prefix', async () => {
    const named = await createOllamaEngine({
      host: api.url.replace('http://', ''),
      models: ['proxima-demo'],
      idPrefix: 'gpu1/',
      contextSize: 1024,
    });
    try {
      expect(named.slots).toBe(1);
      expect(named.models.map((m) => [m.id, m.contextSize])).toEqual([['gpu1/proxima-demo', 1024]]);
      const run = await collectGeneration(
        named,
        engineRequest('gpu1/proxima-demo', { maxTokens: 5 }),
      );
      expect(run.done).toMatchObject({ finishReason: 'length', usage: { completionTokens: 5 } });
      await expect(collectGeneration(named, request())).rejects.toThrow(/'proxima-demo'/);
    } finally {
      await named.close();
    }
  });

  it('close() stops what is under way and refuses more', async () => {
    await expectCloseStopsAndRefuses(
      await createOllamaEngine({ host: api.url }),
      request({ maxTokens: 100_000 }),
    );
  });
});

describe('createOllamaEngine startup errors', () => {
  it('names a model the server lacks, and what it has', async () => {
    await expect(
      createOllamaEngine({ host: api.url, models: ['proxima-demo', 'llama3.2'] }),
    ).rejects.toThrow(
      `the Ollama server at ${api.url} has no model 'llama3.2' (it has proxima-demo, tiny-embed, tool-caller)`,
    );
  });

  it('names the host it cannot reach', async () => {
    const host = `http://127.0.0.1:${await closedPort()}`;
    await expect(createOllamaEngine({ host })).rejects.toThrow(
      `ollama engine: cannot reach the Ollama server at ${host} (ECONNREFUSED)`,
    );
  });

  it('refuses bad options', async () => {
    await expect(createOllamaEngine({ host: 'ftp://x' })).rejects.toThrow(/http or https/);
    await expect(createOllamaEngine({ host: api.url, slots: 0 })).rejects.toThrow(
      /slots must be a positive integer/,
    );
    await expect(createOllamaEngine({ host: api.url, models: [] })).rejects.toThrow(
      /at least one model/,
    );
    await expect(createOllamaEngine({ host: api.url, keepAlive: '5 minutes' })).rejects.toThrow(
      /keepAlive/,
    );
  });
});
