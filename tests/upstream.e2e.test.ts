import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestFleet, type TestFleet } from './fleet.ts';
import {
  STAND_IN_ID,
  STAND_IN_SECRET_ERROR,
  STAND_IN_TEXT,
  startStandInUpstream,
  type StandInUpstream,
} from './upstream-stand-in.ts';

const DEMO = 'proxima-demo';
const CLOUD_ONLY = 'cloud-only-model';
const BROKEN = 'broken-model';
const SLOW = 'slow-model';
const HUGE = 'huge-model';
/** The edge gives a silent upstream this long (UPSTREAM_TIMEOUT_MS in this fleet). */
const UPSTREAM_TIMEOUT_MS = 800;
const KEY = 'sk-stand-in-key-0123456789';
const messages = [{ role: 'user' as const, content: 'Say hello.' }];

let upstream: StandInUpstream;
let t: TestFleet;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startStandInUpstream();
  const upstreams = [
    {
      name: 'stand-in',
      baseUrl: `${upstream.origin}/ok/v1`,
      keyVar: 'STAND_IN_KEY',
      models: { [CLOUD_ONLY]: 'stand-in/cloud-model', [DEMO]: 'stand-in/demo-model' },
      costPer1kTokens: 0.5,
      priority: 0,
      maxConcurrent: 8,
    },
    {
      name: 'broken',
      baseUrl: `${upstream.origin}/broken/v1`,
      models: { [BROKEN]: 'stand-in/broken' },
      costPer1kTokens: 0,
      priority: 0,
      maxConcurrent: 8,
    },
    {
      name: 'huge',
      baseUrl: `${upstream.origin}/huge/v1`,
      models: { [HUGE]: 'stand-in/huge' },
      costPer1kTokens: 0,
      priority: 0,
      maxConcurrent: 8,
    },
    {
      name: 'slow',
      baseUrl: `${upstream.origin}/slow/v1`,
      models: { [SLOW]: 'stand-in/slow' },
      costPer1kTokens: 0,
      priority: 0,
      maxConcurrent: 8,
    },
  ];
  t = await startTestFleet(1, {
    UPSTREAMS: JSON.stringify(upstreams),
    STAND_IN_KEY: KEY,
    UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
    EXPOSE_BACKEND_HEADER: 'true',
  });
  client = new OpenAI({
    baseURL: `${t.fleet.info.url}/v1`,
    apiKey: t.fleet.info.apiKey,
    maxRetries: 0,
  });
});

afterAll(async () => {
  await t?.close();
  await upstream?.close();
});

async function streamed(model: string) {
  const stream = await client.chat.completions.create({ model, messages, stream: true });
  let text = '';
  const ids = new Set<string>();
  const models = new Set<string>();
  let finish: string | null = null;
  for await (const chunk of stream) {
    ids.add(chunk.id);
    models.add(chunk.model);
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  return { text, ids, models, finish };
}

describe('OpenAI-compatible upstreams as the fallback tier', () => {
  it('serves a model no node has from the upstream, whole, with its mapped name and key', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: CLOUD_ONLY, messages, max_tokens: 16 })
      .withResponse();
    expect(response.headers.get('x-proxima-backend')).toBe('upstream:stand-in');
    expect(data.choices[0]?.message.content).toBe(STAND_IN_TEXT.join(''));
    expect(data.model).toBe(CLOUD_ONLY);
    expect(data.id).not.toBe(STAND_IN_ID);
    expect(data.usage?.completion_tokens).toBe(STAND_IN_TEXT.length);
    const last = upstream.seen.at(-1);
    expect(last?.authorization).toBe(`Bearer ${KEY}`);
    expect(last?.body).toMatchObject({
      model: 'stand-in/cloud-model',
      stream: false,
      max_tokens: 16,
    });
  });

  it('streams it too, with one id of ours and the client model name on every chunk', async () => {
    const r = await streamed(CLOUD_ONLY);
    expect(r.text).toBe(STAND_IN_TEXT.join(''));
    expect(r.finish).toBe('stop');
    expect(r.ids.size).toBe(1);
    expect(r.ids.has(STAND_IN_ID)).toBe(false);
    expect([...r.models]).toEqual([CLOUD_ONLY]);
    expect(upstream.seen.at(-1)?.body).toMatchObject({
      model: 'stand-in/cloud-model',
      stream: true,
    });
  });

  it('lists upstream-only models in /v1/models beside the nodes’ ones, and finds each by id', async () => {
    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining([DEMO, CLOUD_ONLY, BROKEN, SLOW]));
    expect(new Set(ids).size).toBe(ids.length);
    expect((await client.models.retrieve(CLOUD_ONLY)).id).toBe(CLOUD_ONLY);
  });

  it('prefers the local node for a model both serve', async () => {
    const before = upstream.seen.length;
    const { response } = await client.chat.completions
      .create({ model: DEMO, messages, max_tokens: 4 })
      .withResponse();
    expect(response.headers.get('x-proxima-backend')).toBe('node:dev-node-1');
    expect(upstream.seen.length).toBe(before);
  });

  it('falls back to the upstream when the node is gone', async () => {
    const node = t.fleet.nodes[0];
    if (!node) throw new Error('no node');
    await node.child.stop('SIGTERM', 10_000);
    const { data, response } = await client.chat.completions
      .create({ model: DEMO, messages })
      .withResponse();
    expect(response.headers.get('x-proxima-backend')).toBe('upstream:stand-in');
    expect(data.choices[0]?.message.content).toBe(STAND_IN_TEXT.join(''));
    expect(upstream.seen.at(-1)?.body.model).toBe('stand-in/demo-model');
    const r = await streamed(DEMO);
    expect(r.text).toBe(STAND_IN_TEXT.join(''));
    expect([...r.models]).toEqual([DEMO]);
  });

  it('answers 503 no_capacity when the upstream fails, without its error text', async () => {
    for (const stream of [false, true]) {
      const err = await client.chat.completions
        .create({ model: BROKEN, messages, stream })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      const apiErr = err as InstanceType<typeof OpenAI.APIError>;
      expect(apiErr.status).toBe(503);
      expect(apiErr.code ?? (apiErr.error as { code?: string } | undefined)?.code).toBe(
        'no_capacity',
      );
      expect(apiErr.headers?.get('retry-after')).toMatch(/^\d+$/);
      expect(JSON.stringify(apiErr.error)).not.toContain('hunter2');
      expect(apiErr.message).not.toContain(STAND_IN_SECRET_ERROR);
    }
    expect(upstream.seen.some((s) => s.path.startsWith('/broken/'))).toBe(true);
  });

  it('stops reading a non-streamed answer that never ends: 503, not a hang or an out-of-memory', async () => {
    const err = await client.chat.completions
      .create({ model: HUGE, messages })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
  });

  it('gives up on an upstream that never answers after UPSTREAM_TIMEOUT_MS: 503, not a hang', async () => {
    for (const stream of [false, true]) {
      const started = Date.now();
      const err = await client.chat.completions
        .create({ model: SLOW, messages, stream })
        .catch((e: unknown) => e);
      const waited = Date.now() - started;
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
      expect(waited).toBeGreaterThanOrEqual(UPSTREAM_TIMEOUT_MS - 50);
      expect(waited, 'the deadline, not the client, ended the wait').toBeLessThan(10_000);
    }
  });
});
