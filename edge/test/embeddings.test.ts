// POST /v1/embeddings inside workerd, with the default embedder (EMBEDDER unset: lexical, 256-d).
import { SELF } from 'cloudflare:test';
import { LexicalEmbedder } from '@proxima/wasm';
import { describe, expect, it } from 'vitest';
import { ADMIN, adminPost, BASE, newApiKey, unique, type ErrorJson } from './helpers.ts';

const MODEL = 'proxima-lexical';
const lexical = new LexicalEmbedder();

interface ListJson {
  object: string;
  model: string;
  data: Array<{ object: string; index: number; embedding: number[] | string }>;
  usage: { prompt_tokens: number; total_tokens: number };
}

function embed(key: string | null, body: unknown): Promise<Response> {
  return SELF.fetch(`${BASE}/v1/embeddings`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The official client's decoding: base64 of little-endian float32. */
function fromBase64(text: string): number[] {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  return Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

const admin = (path: string, init: RequestInit = {}) =>
  SELF.fetch(`${BASE}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
  });

describe('POST /v1/embeddings', () => {
  it("answers OpenAI's list shape, one vector per input in order, equal to the lexical embedder's", async () => {
    const key = await newApiKey();
    const input = ['How do I reset the WiFi router?', 'quarterly revenue grew', 'ok'];
    const res = await embed(key, { model: MODEL, input });
    expect(res.status).toBe(200);
    const body = await res.json<ListJson>();
    expect(body).toMatchObject({ object: 'list', model: MODEL });
    expect(body.data.map((d) => [d.object, d.index])).toEqual([
      ['embedding', 0],
      ['embedding', 1],
      ['embedding', 2],
    ]);
    expect(body.data.map((d) => d.embedding)).toEqual(
      input.map((t) => Array.from(lexical.embed(t))),
    );
    const bytes = input.reduce((n, t) => n + new TextEncoder().encode(t).length, 0);
    expect(body.usage).toEqual({
      prompt_tokens: Math.ceil(bytes / 4),
      total_tokens: Math.ceil(bytes / 4),
    });
  });

  it('takes a single string as a list of one', async () => {
    const key = await newApiKey();
    const body = await (await embed(key, { model: MODEL, input: 'hello world' })).json<ListJson>();
    expect(body.data).toHaveLength(1);
    expect(body.data[0]?.embedding).toHaveLength(256);
  });

  it('gives the same vectors as float and as base64', async () => {
    const key = await newApiKey();
    const input = ['the same text', 'another text'];
    const floats = await (await embed(key, { model: MODEL, input })).json<ListJson>();
    const base64 = await (
      await embed(key, { model: MODEL, input, encoding_format: 'base64' })
    ).json<ListJson>();
    expect(base64.data.every((d) => typeof d.embedding === 'string')).toBe(true);
    expect(base64.data.map((d) => fromBase64(d.embedding as string))).toEqual(
      floats.data.map((d) => d.embedding),
    );
  });

  it('keeps the batch order: a reversed batch gives reversed vectors', async () => {
    const key = await newApiKey();
    const input = ['alpha beta', 'gamma delta', 'epsilon zeta', 'eta theta'];
    const forward = await (await embed(key, { model: MODEL, input })).json<ListJson>();
    const reverse = await (
      await embed(key, { model: MODEL, input: [...input].reverse() })
    ).json<ListJson>();
    expect(reverse.data.map((d) => d.embedding)).toEqual(
      forward.data.map((d) => d.embedding).reverse(),
    );
  });

  it('accepts `dimensions` equal to the embedder’s and refuses any other, naming it', async () => {
    const key = await newApiKey();
    expect((await embed(key, { model: MODEL, input: 'x', dimensions: 256 })).status).toBe(200);
    const res = await embed(key, { model: MODEL, input: 'x', dimensions: 128 });
    expect(res.status).toBe(400);
    expect((await res.json<ErrorJson>()).error).toMatchObject({
      param: 'dimensions',
      code: 'unsupported_parameter',
    });
  });

  it.each([
    ['a missing input', { model: MODEL }, 'input'],
    ['an empty list', { model: MODEL, input: [] }, 'input'],
    ['an empty string in the list', { model: MODEL, input: ['a', ''] }, 'input[1]'],
    ['token ids', { model: MODEL, input: [[15339, 1917]] }, 'input'],
    [
      'a bad encoding_format',
      { model: MODEL, input: 'a', encoding_format: 'int8' },
      'encoding_format',
    ],
    ['a missing model', { input: 'a' }, 'model'],
  ])('400 for %s, naming the field', async (_, body, param) => {
    const res = await embed(await newApiKey(), body);
    expect(res.status).toBe(400);
    const { error } = await res.json<ErrorJson>();
    expect(error.param).toBe(param);
    expect(error.type).toBe('invalid_request_error');
  });

  it('404 model_not_found for a model that is not the embeddings model, naming the one that is', async () => {
    const res = await embed(await newApiKey(), { model: 'text-embedding-3-small', input: 'a' });
    expect(res.status).toBe(404);
    const { error } = await res.json<ErrorJson>();
    expect(error).toMatchObject({ code: 'model_not_found', param: 'model' });
    expect(error.message).toContain(MODEL);
  });

  it('413 for a body over MAX_BODY_BYTES (too many inputs are refused before that in core)', async () => {
    const res = await embed(await newApiKey(), { model: MODEL, input: ['x'.repeat(5000)] });
    expect(res.status).toBe(413);
  });

  it('401 without a key or with a wrong one; 403 for a key without the chat scope', async () => {
    expect((await embed(null, { model: MODEL, input: 'a' })).status).toBe(401);
    expect((await embed('pxk_not-a-real-key-0123', { model: MODEL, input: 'a' })).status).toBe(401);
    const created = await adminPost('/admin/api-keys', { tenant: 't1', scopes: ['models'] });
    const { key } = await created.json<{ key: string }>();
    const res = await embed(key, { model: MODEL, input: 'a' });
    expect(res.status).toBe(403);
  });

  it('405 with Allow: POST for another method', async () => {
    const res = await SELF.fetch(`${BASE}/v1/embeddings`, { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('is listed in /v1/models and found by id', async () => {
    const key = await newApiKey();
    const headers = { authorization: `Bearer ${key}` };
    const list = await (
      await SELF.fetch(`${BASE}/v1/models`, { headers })
    ).json<{
      data: Array<{ id: string }>;
    }>();
    expect(list.data.map((m) => m.id)).toContain(MODEL);
    expect((await SELF.fetch(`${BASE}/v1/models/${MODEL}`, { headers })).status).toBe(200);
  });

  it('is metered like chat: limits admit it, and usage records its tokens under the model', async () => {
    const tenant = unique('embed-metered');
    const { key } = await (await adminPost('/admin/api-keys', { tenant })).json<{ key: string }>();
    const patch = await admin(`/admin/tenants/${tenant}`, {
      method: 'PATCH',
      body: JSON.stringify({ limits: { requestsPerMinute: 2 } }),
    });
    expect(patch.status).toBe(200);
    const first = await embed(key, { model: MODEL, input: 'abcdefgh' });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect((await embed(key, { model: MODEL, input: 'abcd' })).status).toBe(200);
    const refused = await embed(key, { model: MODEL, input: 'abcd' });
    expect(refused.status).toBe(429);
    let rows: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 40 && !rows.some((r) => r['requests'] === 3); i++) {
      await new Promise((r) => setTimeout(r, 25));
      const res = await admin(`/admin/usage?tenant=${tenant}&since=1h&group_by=model,backend`);
      rows = (await res.json<{ rows: Array<Record<string, unknown>> }>()).rows;
    }
    expect(rows).toEqual([
      expect.objectContaining({
        model: MODEL,
        backend: 'none',
        requests: 3,
        promptTokens: 3,
        completionTokens: 0,
        errors: 1,
      }),
    ]);
  });
});
