// Embeddings by a node's embedding model, end to end: the real edge (workerd) routes
// POST /v1/embeddings and /api/embed to a real node agent process whose engine computes known
// vectors (byte sums by residue); the official openai and ollama clients check every value.
import { join } from 'node:path';
import { Ollama } from 'ollama';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBED_JOB_LIMITS } from '@proxima/core/protocol';
import { spawnChild, type Child } from '@proxima/local-node/child';
import {
  createNodeToken,
  eventually,
  openaiClient,
  startTestFleet,
  type TestFleet,
} from './fleet.ts';
import { badRequest } from './openai-errors.ts';

const EMBED = 'byte-sum-embed';
const CHAT = 'byte-sum-chat';
const NODE = join(import.meta.dirname, 'node-embed', 'byte-sum-node.ts');

let t: TestFleet;
let client: OpenAI;
let node: Child | undefined;
/** The node's JSON log events. */
const nodeEvents: Array<Record<string, unknown>> = [];

/** The fixture's vectors, computed here on their own: sums of UTF-8 bytes by residue, / 255. */
function expected(text: string, dim = 8): number[] {
  const sums = Array.from({ length: dim }, () => 0);
  for (const byte of Buffer.from(text, 'utf8')) sums[byte % dim] = (sums[byte % dim] ?? 0) + byte;
  return sums.map((s) => Math.fround(s / 255));
}

const bytesOf = (texts: readonly string[]) =>
  texts.reduce((n, text) => n + Buffer.byteLength(text, 'utf8'), 0);

async function startNode(): Promise<Child> {
  const { url } = t.fleet.info;
  const token = await createNodeToken(t, 'byte-sum-1');
  let connected = false;
  const child = spawnChild({
    name: 'byte-sum-1',
    command: process.execPath,
    args: [
      NODE,
      '--edge',
      url,
      '--node-id',
      'byte-sum-1',
      '--embed-model',
      EMBED,
      '--chat-model',
      CHAT,
    ],
    env: { PROXIMA_NODE_TOKEN: token },
    onLine: (line) => {
      try {
        nodeEvents.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
      if (line.includes('"event":"edge.connected"')) connected = true;
      else if (line.includes('node.fatal')) console.error(line);
    },
  });
  await eventually(() => (connected ? true : undefined), 30_000);
  return child;
}

beforeAll(async () => {
  t = await startTestFleet(0);
  client = openaiClient(t);
  node = await startNode();
  // Routable once presence lists it as an embedding model.
  const listed = async () => {
    const model = (await client.models.list()).data.find((m) => m.id === EMBED);
    return (model as { proxima?: { kind?: string } } | undefined)?.proxima?.kind === 'embed';
  };
  for (let i = 0; !(await listed()); i++) {
    if (i > 100) throw new Error(`${EMBED} is not listed as an embedding model`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(async () => {
  await node?.stop('SIGTERM', 5000);
  await t?.close();
});

const input = ['How do I reset the WiFi router?', 'ça va très bien', '日本語 🙂', ' '];

describe("a node's embedding model through the official clients", () => {
  it("openai: float vectors equal the fixture's, with the node's token count", async () => {
    const res = await client.embeddings.create({ model: EMBED, input, encoding_format: 'float' });
    expect(res.model).toBe(EMBED);
    expect(res.data.map((d) => d.index)).toEqual([0, 1, 2, 3]);
    expect(res.data.map((d) => d.embedding)).toEqual(input.map((text) => expected(text)));
    expect(res.usage).toEqual({ prompt_tokens: bytesOf(input), total_tokens: bytesOf(input) });
  });

  it('openai: base64 (the client’s default) decodes to the same float32 values', async () => {
    const res = await client.embeddings.create({ model: EMBED, input });
    expect(res.data.map((d) => Array.from(d.embedding))).toEqual(
      input.map((text) => expected(text)),
    );
  });

  it('openai: dimensions reach the model; more than it gives is a 400 naming dimensions', async () => {
    const res = await client.embeddings.create({
      model: EMBED,
      input: 'dimensions',
      dimensions: 5,
      encoding_format: 'float',
    });
    expect(res.data[0]?.embedding).toEqual(expected('dimensions', 5));
    const err = await badRequest(
      client.embeddings.create({ model: EMBED, input: 'x', dimensions: 65 }),
    );
    expect(err.param).toBe('dimensions');
  });

  it('a request larger than one job is split and answered whole, in order', async () => {
    const many = Array.from(
      { length: 3 * EMBED_JOB_LIMITS.inputsPerJob + 1 },
      (_, i) => `text ${i} ✓`,
    );
    const res = await client.embeddings.create({
      model: EMBED,
      input: many,
      encoding_format: 'float',
    });
    expect(res.data.map((d) => d.embedding)).toEqual(many.map((text) => expected(text)));
    expect(res.usage.prompt_tokens).toBe(bytesOf(many));
    // Its jobs, as the node logged them: three full ones and one of the last input.
    const jobs = nodeEvents.filter((e) => e['event'] === 'job.started' && e['kind'] === 'embed');
    expect(jobs.slice(-4).map((e) => e['inputs'])).toEqual([
      EMBED_JOB_LIMITS.inputsPerJob,
      EMBED_JOB_LIMITS.inputsPerJob,
      EMBED_JOB_LIMITS.inputsPerJob,
      1,
    ]);
  });

  it("ollama: embed returns the fixture's vectors", async () => {
    const ollama = new Ollama({
      host: t.fleet.info.url,
      headers: { authorization: `Bearer ${t.fleet.info.apiKey}` },
    });
    const res = await ollama.embed({ model: EMBED, input });
    expect(res.model).toBe(EMBED);
    expect(res.embeddings).toEqual(input.map((text) => expected(text)));
    const one = await ollama.embed({ model: EMBED, input: 'single' });
    expect(one.embeddings).toEqual([expected('single')]);
  });

  it('the kinds do not mix: chat to the embedding model and embeddings of the chat model are 400s', async () => {
    const chat = await badRequest(
      client.chat.completions.create({ model: EMBED, messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(chat.param).toBe('model');
    expect(chat.message).toMatch(/an embedding model/);
    const embed = await badRequest(client.embeddings.create({ model: CHAT, input: 'x' }));
    expect(embed.param).toBe('model');
    expect(embed.message).toMatch(/not an embedding model/);
    // The chat model itself still chats.
    const answer = await client.chat.completions.create({
      model: CHAT,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(answer.choices[0]?.message.content).toBe('ok');
  });
});
