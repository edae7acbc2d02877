// POST /v1/embeddings end to end: the official openai client against the edge in workerd, with
// the default (lexical) embedder. No node is needed: the edge embeds by itself.
import { LexicalEmbedder } from '@proxima/wasm';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFleet, type TestFleet } from './fleet.ts';

const MODEL = 'proxima-lexical';
const input = [
  'How do I reset the WiFi router?',
  'list directory contents sorted by modification time',
  'ça va très bien',
];
const lexical = new LexicalEmbedder();
const expected = input.map((t) => Array.from(lexical.embed(t)));

let t: TestFleet | undefined;
let client: OpenAI;
let info = { url: '', apiKey: '' };

beforeAll(async () => {
  t = await startTestFleet(0);
  info = t.fleet.info;
  client = new OpenAI({ baseURL: `${info.url}/v1`, apiKey: info.apiKey, maxRetries: 0 });
});
afterAll(async () => {
  await t?.close();
});

describe('embeddings with the official openai client', () => {
  it('decodes the default (base64) answer to the lexical embedder’s vectors', async () => {
    const res = await client.embeddings.create({ model: MODEL, input });
    expect(res.object).toBe('list');
    expect(res.model).toBe(MODEL);
    expect(res.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(res.data.map((d) => Array.from(d.embedding))).toEqual(expected);
    expect(res.usage.prompt_tokens).toBeGreaterThan(0);
    expect(res.usage.total_tokens).toBe(res.usage.prompt_tokens);
  });

  it("asks for base64 on the wire when the caller asks for nothing (the client's default)", async () => {
    const wire: Array<{ sent: unknown; answered: unknown }> = [];
    const watched = new OpenAI({
      baseURL: `${info.url}/v1`,
      apiKey: info.apiKey,
      maxRetries: 0,
      fetch: async (url: string | URL | Request, init?: RequestInit) => {
        const res = await fetch(url, init);
        const body = typeof init?.body === 'string' ? init.body : '{}';
        wire.push({ sent: JSON.parse(body), answered: await res.clone().json() });
        return res;
      },
    });
    const res = await watched.embeddings.create({ model: MODEL, input });
    expect(wire).toHaveLength(1);
    expect(wire[0]?.sent).toMatchObject({ encoding_format: 'base64' });
    const answered = wire[0]?.answered as { data: Array<{ embedding: unknown }> };
    expect(answered.data.every((d) => typeof d.embedding === 'string')).toBe(true);
    expect(res.data.map((d) => Array.from(d.embedding))).toEqual(expected);
  });

  it("answers encoding_format 'float' with the same vectors", async () => {
    const res = await client.embeddings.create({ model: MODEL, input, encoding_format: 'float' });
    expect(res.data.map((d) => d.embedding)).toEqual(expected);
  });

  it('embeds a single string', async () => {
    const res = await client.embeddings.create({ model: MODEL, input: input[0]! });
    expect(res.data.map((d) => Array.from(d.embedding))).toEqual([expected[0]]);
  });

  it('lists the embeddings model', async () => {
    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toContain(MODEL);
  });

  it('refuses more than 2048 inputs, naming input (400)', async () => {
    const many = Array.from({ length: 2049 }, (_, i) => `t${i}`);
    const err = await client.embeddings
      .create({ model: MODEL, input: many })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('input');
    const most = await client.embeddings.create({
      model: MODEL,
      input: many.slice(0, 2048),
      encoding_format: 'float',
    });
    expect(most.data).toHaveLength(2048);
    expect(most.data[2047]?.embedding).toEqual(Array.from(lexical.embed('t2047')));
  });

  it('refuses token ids and an unknown model the way OpenAI errors look', async () => {
    const tokens = await client.embeddings
      .create({ model: MODEL, input: [[15339, 1917]] })
      .catch((e: unknown) => e);
    expect(tokens).toBeInstanceOf(OpenAI.BadRequestError);
    const unknown = await client.embeddings
      .create({ model: 'text-embedding-3-small', input: 'x' })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
  });
});
