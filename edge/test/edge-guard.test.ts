import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  adminPost,
  ADMIN,
  BASE,
  chat,
  FakeNode,
  helloFrame,
  newApiKey,
  newNodeToken,
  unique,
  type ErrorJson,
} from './helpers.ts';

const hello = [{ role: 'user', content: 'hi' }];

async function admin(path: string, init: RequestInit = {}): Promise<Response> {
  return SELF.fetch(`${BASE}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
  });
}

describe('regression: node identity is not bound to its token', () => {
  it('a token bound to one node id cannot connect as another (4403)', async () => {
    const id = unique('node');
    const token = await newNodeToken(id);
    const other = await FakeNode.connect(unique('node'), token);
    const closed = await other.waitClosed();
    expect(closed.code).toBe(4403);
    expect(closed.reason).toContain('bound to another node id');
  });

  it('a fresh token cannot take over an enrolled node id, and the real node keeps serving', async () => {
    const id = unique('node');
    const model = unique('model');
    const real = await FakeNode.ready(id, await newNodeToken(id), [model]);
    const intruder = await FakeNode.connect(id, await newNodeToken());
    expect((await intruder.waitClosed()).code).toBe(4403);
    expect(real.closed).toBeNull();
    const key = await newApiKey();
    const pending = chat(key, { model, messages: hello });
    const job = await real.next('job');
    real.send({
      type: 'done',
      jobId: job.jobId,
      seq: 0,
      finishReason: 'stop',
      usage: { promptTokens: 1, completionTokens: 0 },
    });
    expect((await pending).status).toBe(200);
  });

  it('an unbound token binds to the id of its first connection', async () => {
    const token = await newNodeToken();
    const first = unique('node');
    await FakeNode.ready(first, token, [unique('model')]);
    const second = await FakeNode.connect(unique('node'), token);
    expect((await second.waitClosed()).code).toBe(4403);
    const list = await (
      await admin('/admin/node-tokens')
    ).json<{
      tokens: Array<{ nodeId: string | null }>;
    }>();
    expect(list.tokens.some((t) => t.nodeId === first)).toBe(true);
  });

  it.each([
    ['an invalid model id', [{ id: 'bad model id', contextSize: 1, description: '' }]],
    [
      'a model listed twice',
      [
        { id: 'm', contextSize: 1, description: '' },
        { id: 'm', contextSize: 1, description: '' },
      ],
    ],
    [
      '65 models',
      Array.from({ length: 65 }, (_, i) => ({ id: `m${i}`, contextSize: 1, description: '' })),
    ],
  ])('a hello with %s is refused with 4400', async (_what, models) => {
    const id = unique('node');
    const node = await FakeNode.connect(id, await newNodeToken(id));
    node.send(helloFrame(id, models));
    expect((await node.waitClosed()).code).toBe(4400);
  });

  it('revoking a node token disconnects its node (4401) and refuses it afterwards', async () => {
    const id = unique('node');
    const model = unique('model');
    const token = await newNodeToken(id);
    const node = await FakeNode.ready(id, token, [model]);
    const list = await (
      await admin('/admin/node-tokens')
    ).json<{
      tokens: Array<{ id: string; nodeId: string | null }>;
    }>();
    const entry = list.tokens.find((t) => t.nodeId === id);
    expect(entry).toBeDefined();
    const res = await admin(`/admin/node-tokens/${entry?.id ?? ''}`, { method: 'DELETE' });
    expect(await res.json()).toMatchObject({ revoked: true, nodeId: id, disconnected: true });
    expect((await node.waitClosed()).code).toBe(4401);
    const again = await FakeNode.connect(id, token);
    expect((await again.waitClosed()).code).toBe(4401);
    const key = await newApiKey();
    const models = await SELF.fetch(`${BASE}/v1/models`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const body = await models.json<{ data: Array<{ id: string }> }>();
    expect(body.data.map((m) => m.id)).not.toContain(model);
  });

  it('revoking an API key refuses it at once in this isolate', async () => {
    const created = await (
      await adminPost('/admin/api-keys', { tenant: 'revoke-test' })
    ).json<{
      id: string;
      key: string;
    }>();
    const ok = await SELF.fetch(`${BASE}/v1/models`, {
      headers: { authorization: `Bearer ${created.key}` },
    });
    expect(ok.status).toBe(200);
    const listed = await (
      await admin('/admin/api-keys?tenant=revoke-test')
    ).json<{
      keys: Array<{ id: string }>;
    }>();
    expect(listed.keys.map((k) => k.id)).toEqual([created.id]);
    expect((await admin(`/admin/api-keys/${created.id}`, { method: 'DELETE' })).status).toBe(200);
    const refused = await SELF.fetch(`${BASE}/v1/models`, {
      headers: { authorization: `Bearer ${created.key}` },
    });
    expect(refused.status).toBe(401);
    expect((await admin(`/admin/api-keys/${created.id}`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('regression: unbounded fields and caches', () => {
  it('a long model name is a 400 naming model, quoting no more than a short prefix', async () => {
    const key = await newApiKey();
    const res = await chat(key, { model: 'x'.repeat(3000), messages: hello });
    expect(res.status).toBe(400);
    const body = await res.json<ErrorJson>();
    expect(body.error.param).toBe('model');
    expect(body.error.message.length).toBeLessThan(200);
  });

  it('an unknown model is quoted short in its 404', async () => {
    const key = await newApiKey();
    const model = `m${'y'.repeat(127)}`;
    const res = await chat(key, { model, messages: hello });
    expect(res.status).toBe(404);
    const body = await res.json<ErrorJson>();
    expect(body.error.message).not.toContain(model);
    expect(body.error.message.length).toBeLessThan(200);
  });
});

describe('regression: a truncated or malformed request body is a 500', () => {
  it('a body whose stream breaks off is a 400', async () => {
    const key = await newApiKey();
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(new TextEncoder().encode('{"model":"m","messages":['));
          return;
        }
        controller.error(new Error('connection reset'));
      },
    });
    const res = await SELF.fetch(`${BASE}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    // workerd may hand over the part that arrived (bad JSON) or report the break (cut short).
    expect(['invalid_request', 'invalid_json']).toContain((await res.json<ErrorJson>()).error.code);
  });

  it('deep nesting is a 400 without parsing', async () => {
    const key = await newApiKey();
    const res = await chat(key, `{"model":"m","messages":${'['.repeat(2000)}`);
    expect(res.status).toBe(400);
    expect((await res.json<ErrorJson>()).error.message).toContain('nests deeper');
  });

  it('an unpaired surrogate in the prompt is a 400 naming the field', async () => {
    const key = await newApiKey();
    const res = await chat(key, '{"model":"m","messages":[{"role":"user","content":"a\\ud800b"}]}');
    expect(res.status).toBe(400);
    expect((await res.json<ErrorJson>()).error.param).toBe('messages[0].content');
  });
});

describe('regression: node error text reaches clients verbatim', () => {
  it('the client gets a classified message; the node text stays in the logs', async () => {
    const key = await newApiKey();
    const id = unique('node');
    const model = unique('model');
    const node = await FakeNode.ready(id, await newNodeToken(id), [model]);
    const secret = '/home/ops/.secrets/token=pxk_leak';
    for (const stream of [false, true]) {
      const pending = chat(key, { model, messages: hello, stream });
      const job = await node.next('job');
      node.send({ type: 'error', jobId: job.jobId, code: 'engine_failed', message: secret });
      const text = await (await pending).text();
      expect(text).not.toContain('secrets');
      expect(text).toContain('The node failed while generating the answer.');
    }
  });
});

describe('regression: the hello deadline fires at about 20 s, not the configured 10 s', () => {
  it('closes a silent socket with 4408 on time (HELLO_TIMEOUT_MS is 1000 in tests)', async () => {
    const id = unique('node');
    const started = Date.now();
    const node = await FakeNode.connect(id, await newNodeToken(id));
    const closed = await node.waitClosed(5000);
    const took = Date.now() - started;
    expect(closed.code).toBe(4408);
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(1800);
  });
});

describe('regression: failed authentication is free for the attacker and costly for us', () => {
  it('refuses malformed keys, then rate-limits the address, while a known key still works', async () => {
    const key = await newApiKey();
    const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    const send = (k: string) =>
      SELF.fetch(`${BASE}/v1/models`, {
        headers: { authorization: `Bearer ${k}`, 'cf-connecting-ip': ip },
      });
    expect((await send(key)).status).toBe(200);
    expect((await send('short')).status).toBe(401);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++)
      statuses.push((await send(`pxk_guess_${i}_0123456789abcdef`)).status);
    expect(statuses.slice(0, 25).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const limited = await send('pxk_another_guess_0123456789abcdef');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await send(key)).status).toBe(200);
  });

  it('a malformed Authorization header says so', async () => {
    const res = await SELF.fetch(`${BASE}/v1/models`, {
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(res.status).toBe(401);
    expect((await res.json<ErrorJson>()).error.message).toContain('Malformed Authorization');
  });
});

describe('regression: x-proxima-backend leaks internal host names', () => {
  it('is not sent unless the operator opts in', async () => {
    const key = await newApiKey();
    const id = unique('node');
    const model = unique('model');
    const node = await FakeNode.ready(id, await newNodeToken(id), [model]);
    const pending = chat(key, { model, messages: hello });
    const job = await node.next('job');
    node.send({
      type: 'done',
      jobId: job.jobId,
      seq: 0,
      finishReason: 'stop',
      usage: { promptTokens: 1, completionTokens: 0 },
    });
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-proxima-backend')).toBeNull();
  });
});

describe("tenants' limits and usage", () => {
  async function servedFleet(tenant: string, limits: Record<string, unknown>) {
    const created = await (
      await adminPost('/admin/api-keys', { tenant })
    ).json<{ key: string; id: string }>();
    const patch = await admin(`/admin/tenants/${tenant}`, {
      method: 'PATCH',
      body: JSON.stringify({ limits }),
    });
    expect(patch.status).toBe(200);
    const id = unique('node');
    const model = unique('model');
    const node = await FakeNode.ready(id, await newNodeToken(id), [model]);
    const answer = async (body: unknown) => {
      const pending = chat(created.key, body);
      const job = await node.next('job');
      node.send({
        type: 'done',
        jobId: job.jobId,
        seq: 0,
        finishReason: 'stop',
        usage: { promptTokens: 3, completionTokens: 2 },
      });
      return pending;
    };
    return { ...created, model, answer };
  }

  it('a tenant over its requests per minute gets 429 rate_limit_exceeded with Retry-After and x-ratelimit-*', async () => {
    const tenant = unique('acme');
    const f = await servedFleet(tenant, { requestsPerMinute: 2 });
    const first = await f.answer({ model: f.model, messages: hello });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect((await f.answer({ model: f.model, messages: hello })).status).toBe(200);
    const refused = await chat(f.key, { model: f.model, messages: hello });
    expect(refused.status).toBe(429);
    const body = await refused.json<ErrorJson>();
    expect(body.error.code).toBe('rate_limit_exceeded');
    expect(body.error.type).toBe('rate_limit_error');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
  });

  it('a spent daily budget is 429 insufficient_quota', async () => {
    const f = await servedFleet(unique('budget'), { tokensPerDay: 5 });
    expect((await f.answer({ model: f.model, messages: hello, max_tokens: 1 })).status).toBe(200);
    // The first request used 5 tokens; settling happens after the response.
    let res = await chat(f.key, { model: f.model, messages: hello, max_tokens: 1 });
    for (let i = 0; i < 20 && res.status !== 429; i++) {
      await new Promise((r) => setTimeout(r, 25));
      res = await chat(f.key, { model: f.model, messages: hello, max_tokens: 1 });
    }
    expect(res.status).toBe(429);
    expect((await res.json<ErrorJson>()).error.code).toBe('insufficient_quota');
  });

  it('usage records requests, tokens and refusals per key and model', async () => {
    const tenant = unique('metered');
    const f = await servedFleet(tenant, { requestsPerMinute: 2 });
    expect((await f.answer({ model: f.model, messages: hello })).status).toBe(200);
    const streamed = await f.answer({ model: f.model, messages: hello, stream: true });
    expect(await streamed.text()).toContain('[DONE]');
    expect((await chat(f.key, { model: f.model, messages: hello })).status).toBe(429);
    let rows: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 40; i++) {
      const res = await admin(`/admin/usage?tenant=${tenant}&since=1h&group_by=key,model`);
      expect(res.status).toBe(200);
      rows = (await res.json<{ rows: Array<Record<string, unknown>> }>()).rows;
      if (rows.some((r) => r['requests'] === 3)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(rows).toEqual([
      expect.objectContaining({
        tenant,
        keyId: f.id,
        model: f.model,
        requests: 3,
        promptTokens: 6,
        completionTokens: 4,
        errors: 1,
      }),
    ]);
  });

  it('usage of a tenant without limits is batched per isolate and lands within seconds', async () => {
    const tenant = unique('open');
    const f = await servedFleet(tenant, {});
    for (let i = 0; i < 3; i++)
      expect((await f.answer({ model: f.model, messages: hello })).status).toBe(200);
    let rows: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 60 && !rows.some((r) => r['requests'] === 3); i++) {
      await new Promise((r) => setTimeout(r, 100));
      const res = await admin(`/admin/usage?tenant=${tenant}&since=1h&group_by=model,backend`);
      rows = (await res.json<{ rows: Array<Record<string, unknown>> }>()).rows;
    }
    expect(rows).toEqual([
      expect.objectContaining({ model: f.model, requests: 3, promptTokens: 9, errors: 0 }),
    ]);
    expect(String(rows[0]?.['backend'])).toMatch(/^node:/);
  });

  it('refuses a malformed usage query and limits with a precise 400', async () => {
    const q = await admin('/admin/usage?since=forever');
    expect(q.status).toBe(400);
    expect((await q.json<ErrorJson>()).error.param).toBe('since');
    const l = await admin('/admin/tenants/acme', {
      method: 'PATCH',
      body: JSON.stringify({ limits: { requestsPerMinut: 5 } }),
    });
    expect(l.status).toBe(400);
  });
});

describe('CORS, as the deployment configures it', () => {
  it('answers a preflight from an allowed origin and exposes the rate-limit headers', async () => {
    const res = await SELF.fetch(`${BASE}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const key = await newApiKey();
    const models = await SELF.fetch(`${BASE}/v1/models`, {
      headers: { origin: 'https://app.example', authorization: `Bearer ${key}` },
    });
    expect(models.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(models.headers.get('access-control-expose-headers')).toContain(
      'x-ratelimit-remaining-requests',
    );
  });

  it('grants nothing to another origin, and errors keep the CORS headers for allowed ones', async () => {
    const other = await SELF.fetch(`${BASE}/v1/models`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const refused = await SELF.fetch(`${BASE}/v1/models`, {
      headers: { origin: 'https://other.example' },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('https://other.example');
  });
});

describe('regression: a credential of one kind presented as the other locks nothing out', () => {
  it('an API key sent to the node endpoint still works as an API key', async () => {
    const key = await newApiKey();
    const wrongPlace = await FakeNode.connect(unique('node'), key);
    expect((await wrongPlace.waitClosed()).code).toBe(4401);
    const res = await SELF.fetch(`${BASE}/v1/models`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
  });

  it('a node token sent as an API key still connects its node', async () => {
    const id = unique('node');
    const token = await newNodeToken(id);
    const res = await SELF.fetch(`${BASE}/v1/models`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(401);
    const node = await FakeNode.ready(id, token, [unique('model')]);
    expect(node.closed).toBeNull();
  });
});

describe('prompts longer than the context', () => {
  it('are refused with 400 context_length_exceeded before a node tokenizes them', async () => {
    const key = await newApiKey();
    const id = unique('node');
    const model = unique('model');
    // A context of 2 tokens: anything over 256 bytes cannot fit, whatever the tokenizer.
    const node = await FakeNode.ready(id, await newNodeToken(id), [model], 2);
    const res = await chat(key, { model, messages: [{ role: 'user', content: 'x'.repeat(300) }] });
    expect(res.status).toBe(400);
    const body = await res.json<ErrorJson>();
    expect(body.error.code).toBe('context_length_exceeded');
    expect(body.error.message).toContain('2 tokens');
    expect(node.received.some((m) => m.type === 'job')).toBe(false);
  });

  it("a node's own context_length_exceeded is a 400 too", async () => {
    const key = await newApiKey();
    const id = unique('node');
    const model = unique('model');
    const node = await FakeNode.ready(id, await newNodeToken(id), [model]);
    const pending = chat(key, { model, messages: hello });
    const job = await node.next('job');
    node.send({
      type: 'error',
      jobId: job.jobId,
      code: 'context_length_exceeded',
      message: 'prompt is 300 tokens; the context holds 256',
    });
    const res = await pending;
    expect(res.status).toBe(400);
    expect((await res.json<ErrorJson>()).error.code).toBe('context_length_exceeded');
  });
});
