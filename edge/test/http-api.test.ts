import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  adminPost,
  BASE,
  chat,
  chatUntilStatus,
  FakeNode,
  newApiKey,
  newNodeToken,
  unique,
  type ErrorJson,
} from './helpers.ts';

const hello = [{ role: 'user', content: 'hi' }];

describe('HTTP API errors (OpenAI shape, precise status)', () => {
  it('answers /healthz without a key', async () => {
    const res = await SELF.fetch(`${BASE}/healthz`);
    expect(res.status).toBe(200);
  });

  it('401 for a missing or wrong key', async () => {
    for (const key of [null, 'pxk_not-a-real-key']) {
      const res = await chat(key, { model: 'm', messages: hello });
      expect(res.status).toBe(401);
      const body: ErrorJson = await res.json();
      expect(body.error.type).toBe('authentication_error');
    }
  });

  it('400 for invalid JSON and for a bad field, naming it', async () => {
    const key = await newApiKey();
    let res = await chat(key, '{"model": ');
    expect(res.status).toBe(400);
    expect((await res.json<ErrorJson>()).error.code).toBe('invalid_json');
    res = await chat(key, {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      temperature: 9,
    });
    expect(res.status).toBe(400);
    const body: ErrorJson = await res.json();
    expect(body.error.param).toBe('temperature');
  });

  it('413 for a body over MAX_BODY_BYTES, with or without Content-Length', async () => {
    const key = await newApiKey();
    const big = { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(10_000) }] };
    const res = await chat(key, big);
    expect(res.status).toBe(413);
    const streamed = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(JSON.stringify(big)));
        c.close();
      },
    });
    const res2 = await SELF.fetch(`${BASE}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: streamed,
    });
    expect(res2.status).toBe(413);
  });

  it('404 for an unknown model', async () => {
    const key = await newApiKey();
    const res = await chat(key, { model: unique('nope'), messages: hello });
    expect(res.status).toBe(404);
    expect((await res.json<ErrorJson>()).error.code).toBe('model_not_found');
  });

  it('503 with Retry-After when the model is known but no node is connected', async () => {
    const key = await newApiKey();
    const model = unique('model');
    const node = await FakeNode.ready(unique('node'), await newNodeToken(), [model]);
    node.ws.close(1000, 'bye');
    // The session notices the close and tells the registry.
    const res = await chatUntilStatus(key, { model, messages: hello }, 503);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
  });

  it('404 for unknown routes and 405 for a wrong method', async () => {
    expect((await SELF.fetch(`${BASE}/v1/nothing`)).status).toBe(404);
    const res = await SELF.fetch(`${BASE}/v1/chat/completions`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});

describe('admin API', () => {
  it('refuses without the admin token', async () => {
    const res = await SELF.fetch(`${BASE}/admin/api-keys`, { method: 'POST' });
    expect(res.status).toBe(401);
  });

  it('registers a provided key once and refuses duplicates', async () => {
    const key = `pxk_${unique('provided-key-long-enough')}`;
    expect((await adminPost('/admin/api-keys', { key, tenant: 'acme' })).status).toBe(201);
    expect((await adminPost('/admin/api-keys', { key })).status).toBe(409);
    expect((await adminPost('/admin/api-keys', { key: 'short' })).status).toBe(400);
    const res = await SELF.fetch(`${BASE}/v1/models`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
  });
});
