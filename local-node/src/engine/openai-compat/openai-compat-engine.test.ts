/**
 * The OpenAI-compatible engine against a second real node: the local API (`proxima node
 * --listen`) over node-llama-cpp on the demo model, which announces its capabilities in
 * `proxima` fields, so the capability cases of the contract run too.
 */
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalApi, type LocalApi } from '../../local-api/server.ts';
import { writeDemoModel } from '../../model/demo-gguf.ts';
import { demoVocabulary } from '../../model/demo-vocab.ts';
import {
  collectGeneration,
  expectCloseStopsAndRefuses,
  engineContract,
  engineRequest,
} from '../engine.case.ts';
import {
  ContextOverflowError,
  InvalidRequestError,
  type EmbedRequest,
  type Engine,
  type GenerateRequest,
} from '../engine.ts';
import { createLlamaEngine } from '../llama-engine.ts';
import { createOpenAiCompatEngine } from './openai-compat-engine.ts';

const KEY = 'second-node-test-key';
let dir = '';
let llama: Engine;
let second: LocalApi;
let engine: Engine;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-openai-compat-'));
  const modelPath = (await writeDemoModel(join(dir, 'proxima-demo.gguf'), { seed: 1 })).path;
  llama = await createLlamaEngine({ modelPath, gpu: 'auto', contextSize: 2048, slots: 2 });
  second = await startLocalApi({ engine: llama, host: '127.0.0.1', port: 0, apiKey: KEY });
  engine = await createOpenAiCompatEngine({ baseUrl: `${second.url}/v1`, apiKey: KEY, slots: 2 });
});
afterAll(async () => {
  await engine.close();
  await second.close();
  await llama.close();
  await rm(dir, { recursive: true, force: true });
});

const request = (over: Partial<GenerateRequest> = {}) => engineRequest('proxima-demo', over);
const collect = (req: GenerateRequest) => collectGeneration(engine, req);

engineContract('OpenAI-compatible, on a second node’s local API (node-llama-cpp)', () => ({
  engine,
  model: 'proxima-demo',
  // "in" is one piece of the demo vocabulary (demo-vocab.ts), and no byte token spells it.
  probeToken: { id: demoVocabulary().tokens.indexOf('in'), text: 'in' },
}));

const sorted = (list: readonly string[]) => [...list].sort();

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('createOpenAiCompatEngine on a Proxima node', () => {
  it('takes the models, context and capabilities the server announces', async () => {
    expect(engine.models).toEqual([
      {
        id: 'proxima-demo',
        contextSize: llama.models[0]!.contextSize,
        description: `proxima-demo on the OpenAI-compatible server ${second.url}/v1`,
        capabilities: engine.models[0]?.capabilities,
      },
    ]);
    // The same capabilities as the model behind it (in the protocol's order).
    expect(sorted(engine.models[0]?.capabilities ?? [])).toEqual(
      sorted(llama.models[0]?.capabilities ?? []),
    );
    expect(engine.models[0]?.capabilities).toContain('logit_bias');
    expect(engine.continuesAssistant).toBe(false);
    expect(await engine.info()).toEqual({
      engine: 'openai-compatible',
      gpu: 'remote',
      vramTotalBytes: 0,
      vramFreeBytes: 0,
    });
  });

  it('generates what the model behind it generates, token for token', async () => {
    const greedy = request({ temperature: 0, maxTokens: 24 });
    const direct = await collectGeneration(llama, greedy);
    const remote = await collect(greedy);
    expect(remote.text).toBe(direct.text);
    expect(remote.done).toEqual(direct.done);
  });

  it('serves the models under a prefix, asking the server by its own name', async () => {
    const prefixed = await createOpenAiCompatEngine({
      baseUrl: `${second.url}/v1/`,
      apiKey: KEY,
      idPrefix: 'second/',
      models: ['proxima-demo'],
    });
    try {
      expect(prefixed.models.map((m) => m.id)).toEqual(['second/proxima-demo']);
      const run = await collectGeneration(
        prefixed,
        engineRequest('second/proxima-demo', { maxTokens: 3 }),
      );
      expect(run.done.usage.completionTokens).toBe(3);
      await expect(collectGeneration(prefixed, request())).rejects.toThrow(
        /unknown model 'proxima-demo'/,
      );
    } finally {
      await prefixed.close();
    }
  });

  it('reports a prompt longer than the context as ContextOverflowError with its sizes', async () => {
    const long = request({ messages: [{ role: 'user', content: 'é'.repeat(1100) }], maxTokens: 1 });
    const err: unknown = await collect(long).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContextOverflowError);
    expect((err as ContextOverflowError).contextSize).toBe(2048);
    expect((err as ContextOverflowError).promptTokens).toBeGreaterThan(2048);
  });

  it('reports a refused parameter as InvalidRequestError naming it', async () => {
    const err: unknown = await collect(request({ logitBias: [[2 ** 31 - 1, 5]] })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).param).toBe('logit_bias');
  });

  it('close() ends generations in flight with an AbortError, and refuses new ones', async () => {
    await expectCloseStopsAndRefuses(
      await createOpenAiCompatEngine({ baseUrl: `${second.url}/v1`, apiKey: KEY }),
      request({ maxTokens: 4000 }),
    );
  });
});

describe('createOpenAiCompatEngine startup errors', () => {
  it('names a model the server does not serve, and what it does serve', async () => {
    await expect(
      createOpenAiCompatEngine({ baseUrl: `${second.url}/v1`, apiKey: KEY, models: ['llama3'] }),
    ).rejects.toThrow(`${second.url}/v1 does not serve 'llama3'; it lists 'proxima-demo'`);
  });

  it('names the URL it cannot reach', async () => {
    const port = await closedPort();
    await expect(
      createOpenAiCompatEngine({ baseUrl: `http://127.0.0.1:${port}/v1` }),
    ).rejects.toThrow(
      new RegExp(`cannot reach the server at http://127\\.0\\.0\\.1:${port}/v1: .*ECONNREFUSED`),
    );
  });

  it('says the key was refused, with a wrong key and with none', async () => {
    for (const apiKey of ['wrong', undefined])
      await expect(
        createOpenAiCompatEngine({
          baseUrl: `${second.url}/v1`,
          ...(apiKey === undefined ? {} : { apiKey }),
        }),
      ).rejects.toThrow(`the server at ${second.url}/v1 refused the API key (HTTP 401)`);
  });
});

/** A fixture embedding engine: each input as [its length, its UTF-16 code unit sum]. */
function sumEmbedder(): Engine {
  const vector = (t: string) =>
    Float32Array.of(
      t.length,
      [...t].reduce((s, c) => s + c.charCodeAt(0), 0),
    );
  return {
    models: [{ id: 'sums', kind: 'embed', contextSize: 64, description: 'sums' }],
    info: () =>
      Promise.resolve({ engine: 'fixture', gpu: 'cpu', vramTotalBytes: 0, vramFreeBytes: 0 }),
    generate: () => {
      throw new Error('an embedding model');
    },
    embed: (req: EmbedRequest) =>
      Promise.resolve({
        vectors: req.inputs.map((t) => vector(t).slice(0, req.dimensions ?? 2)),
        promptTokens: req.inputs.length * 3,
      }),
    close: () => Promise.resolve(),
  };
}

describe('createOpenAiCompatEngine embeddings', () => {
  it('embeds on a model the server announces as an embedding model', async () => {
    const embedder = await startLocalApi({ engine: sumEmbedder(), host: '127.0.0.1', port: 0 });
    const remote = await createOpenAiCompatEngine({ baseUrl: `${embedder.url}/v1` });
    try {
      expect(remote.models).toEqual([
        expect.objectContaining({ id: 'sums', kind: 'embed', contextSize: 64 }),
      ]);
      const signal = new AbortController().signal;
      const out = await remote.embed!({ model: 'sums', inputs: ['ab', 'xyz', 'é'] }, signal);
      expect(out.vectors.map((v) => [...v])).toEqual([
        [2, 97 + 98],
        [3, 120 + 121 + 122],
        [1, 0xe9],
      ]);
      expect(out.promptTokens).toBe(9);
      const one = await remote.embed!({ model: 'sums', inputs: ['ab'], dimensions: 1 }, signal);
      expect(one.vectors.map((v) => [...v])).toEqual([[2]]);
      await expect(collectGeneration(remote, engineRequest('sums'))).rejects.toThrow(
        /'sums' is not a model of kind 'generate'/,
      );
    } finally {
      await remote.close();
      await embedder.close();
    }
  });
});

const REAL = {
  url: process.env['PROXIMA_TEST_OPENAI_URL'],
  key: process.env['PROXIMA_TEST_OPENAI_KEY'],
  model: process.env['PROXIMA_TEST_OPENAI_MODEL'],
};
const HOW =
  'set PROXIMA_TEST_OPENAI_URL (e.g. http://127.0.0.1:1234/v1), and PROXIMA_TEST_OPENAI_KEY ' +
  'and PROXIMA_TEST_OPENAI_MODEL where needed, to run these against a real server';

describe.skipIf(REAL.url === undefined)(`a real OpenAI-compatible server (${HOW})`, () => {
  let real: Engine;
  let model = '';
  beforeAll(async () => {
    real = await createOpenAiCompatEngine({
      baseUrl: REAL.url!,
      ...(REAL.key === undefined ? {} : { apiKey: REAL.key }),
      ...(REAL.model === undefined ? {} : { models: [REAL.model] }),
    });
    model = real.models.find((m) => (m.kind ?? 'generate') === 'generate')?.id ?? '';
  }, 60_000);
  afterAll(() => real?.close());

  it('lists a model and streams a short answer with usage', { timeout: 120_000 }, async () => {
    expect(model).not.toBe('');
    const run = await collectGeneration(real, engineRequest(model, { maxTokens: 8 }));
    expect(run.text.length).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(run.done.finishReason);
    expect(run.done.usage.completionTokens).toBeGreaterThan(0);
  });

  it('aborts promptly', { timeout: 120_000 }, async () => {
    const controller = new AbortController();
    const run = async () => {
      for await (const ev of real.generate(
        engineRequest(model, { maxTokens: 512 }),
        controller.signal,
      ))
        if (ev.type === 'delta') controller.abort();
    };
    await expect(run()).rejects.toMatchObject({ name: 'AbortError' });
  });
});

if (REAL.url === undefined)
  describe('a real OpenAI-compatible server', () => {
    it.skip(`skipped: ${HOW}`, () => undefined);
  });
