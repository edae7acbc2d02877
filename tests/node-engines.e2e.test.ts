// `proxima node` with several engines, end to end, every part real:
// - node A serves the demo GGUF only on its local API (`--listen`, no edge);
// - node B dials the edge and serves A's models twice, through its OpenAI-compatible engine
//   (`--openai A/v1`) and its Ollama engine (`--ollama A`), plus an ONNX embedding model;
// - the official openai client asks the edge for each. So a chat goes edge → B → A → llama.cpp.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnChild, type Child } from '@proxima/local-node/child';
import {
  fixtureWeights,
  tokenModel,
  writeFixture,
} from '../local-node/src/engine/onnx/embed-fixture.testing.ts';
import { createOnnxEmbedEngine } from '../local-node/src/engine/onnx/onnx-embed-engine.ts';
import {
  createNodeToken,
  eventually,
  openaiClient,
  startTestFleet,
  type TestFleet,
} from './fleet.ts';

let t: TestFleet;
let client: OpenAI;
let dir = '';
let embedModel = '';
const children: Child[] = [];

/** Starts `proxima node ARGS` and resolves with its JSON log events once `ready` says so. */
async function startNode(
  name: string,
  args: string[],
  env: Record<string, string>,
  ready: (event: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  let found: Record<string, unknown> | undefined;
  const lines: string[] = [];
  const child = spawnChild({
    name,
    command: process.execPath,
    args: [t.fleet.proximaBin, 'node', ...args],
    env,
    onLine: (line) => {
      lines.push(line);
      try {
        const event = JSON.parse(line) as Record<string, unknown>;
        if (ready(event)) found = event;
      } catch {
        // not a log line
      }
    },
  });
  children.push(child);
  try {
    return await eventually(() => found, 60_000);
  } catch (err) {
    throw new Error(`${name} did not start: ${lines.slice(-5).join('\n')}`, { cause: err });
  }
}

let aUrl = '';

beforeAll(async () => {
  t = await startTestFleet(0, { EXPOSE_BACKEND_HEADER: 'true' });
  client = openaiClient(t);
  dir = await mkdtemp(join(tmpdir(), 'proxima-node-engines-'));
  const files = await writeFixture(dir, tokenModel(fixtureWeights()), { name: 'tiny-embed' });
  embedModel = files.modelPath;
  const a = await startNode(
    'node-a',
    ['--listen', '127.0.0.1:0', '--model', t.fleet.modelPath, '--slots', '2'],
    {},
    (e) => e['event'] === 'local_api.listening',
  );
  aUrl = String(a['url']);
  await startNode(
    'node-b',
    [
      '--edge',
      t.fleet.info.url,
      '--node-id',
      'engines-b',
      '--openai',
      `${aUrl}/v1`,
      '--openai-prefix',
      'a/',
      '--ollama',
      aUrl,
      '--ollama-prefix',
      'o/',
      '--ollama-slots',
      '2',
      '--onnx-embed',
      embedModel,
      '--ep',
      'cpu',
    ],
    { PROXIMA_NODE_TOKEN: await createNodeToken(t, 'engines-b') },
    (e) => e['event'] === 'edge.connected',
  );
  // Routable once presence lists B's models.
  for (let i = 0; ; i++) {
    const ids = (await client.models.list()).data.map((m) => m.id);
    if (['a/proxima-demo', 'o/proxima-demo', 'tiny-embed'].every((id) => ids.includes(id))) break;
    if (i > 100) throw new Error(`node B's models are not listed: ${ids.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 180_000);

afterAll(async () => {
  await Promise.all(children.map((c) => c.stop('SIGTERM', 5000)));
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

const messages = [{ role: 'user' as const, content: 'Tell me about the sea.' }];

/** The answer node A itself gives (greedy, so every path must give the same). */
async function direct(maxTokens: number): Promise<string> {
  const a = new OpenAI({ baseURL: `${aUrl}/v1`, apiKey: 'none', maxRetries: 0 });
  const res = await a.chat.completions.create({
    model: 'proxima-demo',
    messages,
    max_tokens: maxTokens,
    temperature: 0,
  });
  return res.choices[0]?.message.content ?? '';
}

describe('proxima node with several engines, through the edge', () => {
  it("lists every engine's models with their kinds and capabilities", async () => {
    const models = (await client.models.list()).data as unknown as Array<{
      id: string;
      proxima?: { kind?: string; capabilities?: string[] };
    }>;
    const byId = new Map(models.map((m) => [m.id, m.proxima]));
    expect(byId.get('a/proxima-demo')?.kind).toBe('generate');
    expect(byId.get('a/proxima-demo')?.capabilities).toContain('json_schema');
    expect(byId.get('o/proxima-demo')?.kind).toBe('generate');
    expect(byId.get('tiny-embed')?.kind).toBe('embed');
  });

  it('a chat through the OpenAI-compatible engine answers as node A does', async () => {
    const want = await direct(12);
    const { data, response } = await client.chat.completions
      .create({ model: 'a/proxima-demo', messages, max_tokens: 12, temperature: 0 })
      .withResponse();
    expect(response.headers.get('x-proxima-backend')).toBe('node:engines-b');
    expect(data.choices[0]?.message.content).toBe(want);
    expect(data.usage?.completion_tokens).toBe(12);
  });

  it('a streamed chat through the Ollama engine answers as node A does', async () => {
    const want = await direct(12);
    const stream = await client.chat.completions.create({
      model: 'o/proxima-demo',
      messages,
      max_tokens: 12,
      temperature: 0,
      stream: true,
    });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(want);
    expect(finish).toBe('length');
  });

  it('embeddings by the ONNX model equal the engine run in process on the same files', async () => {
    const input = ['the quick brown fox', 'hello world'];
    const res = await client.embeddings.create({
      model: 'tiny-embed',
      input,
      encoding_format: 'float',
    });
    const local = await createOnnxEmbedEngine({ modelPath: embedModel, ep: 'cpu' });
    try {
      const want = await local.embed(
        { model: 'tiny-embed', inputs: input },
        new AbortController().signal,
      );
      expect(res.data.map((d) => d.embedding)).toEqual(want.vectors.map((v) => Array.from(v)));
    } finally {
      await local.close();
    }
  });
});
