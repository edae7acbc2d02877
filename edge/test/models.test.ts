import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, FakeNode, helloFrame, newApiKey, newNodeToken, unique } from './helpers.ts';

interface WireModel {
  id: string;
  object: string;
  created: number;
  owned_by: string;
  proxima: { context_length: number | null; capabilities: string[]; kind: string };
}

async function get<T>(key: string, path: string): Promise<{ status: number; body: T }> {
  const res = await SELF.fetch(`${BASE}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: await res.json<T>() };
}

/** A node whose hello announces the given models (id, context, capabilities) as written. */
async function announce(models: Array<Record<string, unknown>>): Promise<FakeNode> {
  const id = unique('node');
  const node = await FakeNode.connect(id, await newNodeToken(id));
  node.send(helloFrame(id, models));
  await node.next('welcome');
  return node;
}

describe('GET /v1/models with the proxima extension field', () => {
  it("lists each model's context length and capabilities as its node announced them", async () => {
    const key = await newApiKey();
    const fim = unique('model');
    const plain = unique('model');
    const node = await announce([
      { id: fim, contextSize: 2048, description: '', capabilities: ['logprobs', 'fim', 'tools'] },
      { id: plain, contextSize: 512, description: '' },
    ]);
    const { status, body } = await get<{ object: string; data: WireModel[] }>(key, '/v1/models');
    expect(status).toBe(200);
    expect(body.object).toBe('list');
    const byId = new Map(body.data.map((m) => [m.id, m]));
    expect(byId.get(fim)).toMatchObject({
      object: 'model',
      owned_by: 'proxima',
      // In MODEL_CAPABILITIES order, not the hello's.
      proxima: { context_length: 2048, capabilities: ['tools', 'fim', 'logprobs'] },
    });
    expect(byId.get(plain)?.proxima).toEqual({
      context_length: 512,
      capabilities: [],
      kind: 'generate',
    });
    node.ws.close();
  });

  it('GET /v1/models/{id} returns the same entry as the list', async () => {
    const key = await newApiKey();
    const model = `org/${unique('model')}:q4`;
    const node = await announce([
      { id: model, contextSize: 4096, description: '', capabilities: ['json_schema'] },
    ]);
    const list = await get<{ data: WireModel[] }>(key, '/v1/models');
    const one = await get<WireModel>(key, `/v1/models/${model}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(list.body.data.find((m) => m.id === model));
    expect(one.body.proxima).toEqual({
      context_length: 4096,
      capabilities: ['json_schema'],
      kind: 'generate',
    });
    node.ws.close();
  });

  it('a model served by several nodes: the largest context and every capability any has', async () => {
    const key = await newApiKey();
    const model = unique('model');
    const a = await announce([
      { id: model, contextSize: 1024, description: '', capabilities: ['fim'] },
    ]);
    const b = await announce([
      { id: model, contextSize: 8192, description: '', capabilities: ['logprobs'] },
    ]);
    const { body } = await get<WireModel>(key, `/v1/models/${model}`);
    expect(body.proxima).toEqual({
      context_length: 8192,
      capabilities: ['fim', 'logprobs'],
      kind: 'generate',
    });
    b.ws.close();
    await b.waitClosed().catch(() => undefined);
    // Once the larger node is gone, the entry says what is left.
    let left: WireModel | undefined;
    for (let i = 0; i < 50; i++) {
      left = (await get<WireModel>(key, `/v1/models/${model}`)).body;
      if (left.proxima.context_length === 1024) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(left?.proxima).toEqual({
      context_length: 1024,
      capabilities: ['fim'],
      kind: 'generate',
    });
    a.ws.close();
  });

  it('404 naming the model for one no node serves', async () => {
    const key = await newApiKey();
    const { status, body } = await get<{ error: { param: string; code: string } }>(
      key,
      `/v1/models/${unique('nothing')}`,
    );
    expect(status).toBe(404);
    expect(body.error).toMatchObject({ param: 'model', code: 'model_not_found' });
  });
});
