// The local API's guard rails over the real llama engine: its key, its errors in both dialects,
// its body bound, and a client that goes away stopping the generation it asked for.
import { REQUEST_BODY_MAX_BYTES } from '@proxima/core/protocol';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, GenerateEvent, GenerateRequest } from '../engine/engine.ts';
import { DEMO_MODEL as model, startDemoApi, type DemoApi } from './local-api.testing.ts';
import { startLocalApi } from './server.ts';

const KEY = 'local-api-test-key-0123456789';

/** A generation the engine was asked for: its signal, and how it ended. */
interface Watched {
  readonly signal: AbortSignal;
  deltas: number;
  readonly ended: Promise<void>;
}
const watched: Watched[] = [];

/** The real engine, watched: each generation's signal and how many deltas it made. */
function watch(inner: Engine): Engine {
  return {
    models: inner.models,
    ...(inner.continuesAssistant === undefined
      ? {}
      : { continuesAssistant: inner.continuesAssistant }),
    info: () => inner.info(),
    close: () => inner.close(),
    generate(req: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateEvent> {
      let end = () => undefined as void;
      const w: Watched = { signal, deltas: 0, ended: new Promise<void>((r) => (end = r)) };
      watched.push(w);
      return (async function* () {
        try {
          for await (const event of inner.generate(req, signal)) {
            if (event.type === 'delta') w.deltas++;
            yield event;
          }
        } finally {
          end();
        }
      })();
    },
  };
}

let demo: DemoApi;
let client: OpenAI;
const auth = { authorization: `Bearer ${KEY}` };

beforeAll(async () => {
  demo = await startDemoApi({ apiKey: KEY, wrap: watch });
  client = new OpenAI({ baseURL: `${demo.api.url}/v1`, apiKey: KEY, maxRetries: 0 });
});
afterAll(async () => {
  await demo.close();
});

const post = (path: string, body: string, headers: Record<string, string> = auth) =>
  fetch(`${demo.api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

/** The error a call ends with. */
async function failure(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OpenAI.APIError);
  return err as InstanceType<typeof OpenAI.APIError>;
}

const messages = [{ role: 'user' as const, content: 'Say something.' }];

describe('the local API key', () => {
  it('is needed on every route but /healthz and /api/version', async () => {
    const bare = new OpenAI({ baseURL: `${demo.api.url}/v1`, apiKey: 'wrong-key', maxRetries: 0 });
    const refused = await failure(bare.models.list());
    expect(refused.status).toBe(401);
    expect(refused.code).toBe('invalid_api_key');
    const noHeader = await fetch(`${demo.api.url}/v1/models`);
    expect(noHeader.status).toBe(401);
    expect(noHeader.headers.get('www-authenticate')).toBe('Bearer');
    const ollama = await fetch(`${demo.api.url}/api/tags`);
    expect(ollama.status).toBe(401);
    expect(await ollama.json()).toEqual({ error: expect.stringMatching(/API key/) as unknown });
    expect((await post('/api/chat', '{}', {})).status).toBe(401);
    const health = await fetch(`${demo.api.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    expect((await fetch(`${demo.api.url}/api/version`)).status).toBe(200);
    expect((await client.models.list()).data.map((m) => m.id)).toEqual([model]);
  });

  it('must be set to listen beyond this machine, and strong enough', async () => {
    const engine = demo.engine;
    await expect(startLocalApi({ engine, host: '0.0.0.0', port: 0 })).rejects.toThrow(
      /refusing to serve the local API on 0\.0\.0\.0 without an API key/,
    );
    await expect(startLocalApi({ engine, host: '::', port: 0 })).rejects.toThrow(
      /without an API key/,
    );
    await expect(
      startLocalApi({ engine, host: '127.0.0.1', port: 0, apiKey: 'short' }),
    ).rejects.toThrow(/key must be 16-256 printable ASCII/);
  });
});

describe('local API errors', () => {
  it('refuses a body that is not JSON, or empty, in each dialect', async () => {
    const res = await post('/v1/chat/completions', '{"model": ');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_json' } });
    const ollama = await post('/api/chat', 'not json');
    expect(ollama.status).toBe(400);
    expect(await ollama.json()).toEqual({ error: 'Request body is not valid JSON.' });
    const empty = await post('/v1/completions', '');
    expect(empty.status).toBe(400);
  });

  it('refuses a body over the bound with a 413, before reading it whole', async () => {
    const big = JSON.stringify({
      model,
      messages: [{ role: 'user', content: 'x'.repeat(REQUEST_BODY_MAX_BYTES) }],
    });
    const res = await post('/v1/chat/completions', big);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    // Without a declared length (chunked), the bound still holds.
    const bytes = new TextEncoder().encode(big);
    const chunked = await fetch(`${demo.api.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < bytes.length; at += 65536)
            controller.enqueue(bytes.subarray(at, at + 65536));
          controller.close();
        },
      }),
      duplex: 'half',
    });
    expect(chunked.status).toBe(413);
  });

  it('answers an unknown model with a 404 model_not_found', async () => {
    const err = await failure(client.chat.completions.create({ model: 'nope', messages }));
    expect(err.status).toBe(404);
    expect(err.code).toBe('model_not_found');
    expect(err.param).toBe('model');
    const retrieve = await failure(client.models.retrieve('nope'));
    expect(retrieve.status).toBe(404);
    const completion = await failure(client.completions.create({ model: 'nope', prompt: 'x' }));
    expect(completion.status).toBe(404);
  });

  it('refuses a remote image URL by the name of its part: the node fetches nothing', async () => {
    const err = await failure(
      client.chat.completions.create({
        model,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            ],
          },
        ],
      }),
    );
    expect(err.status).toBe(400);
    expect(err.param).toBe('messages[0].content[1].image_url.url');
    expect(err.message).toMatch(/does not fetch images: send it as a data URL/);
  });

  it("refuses what the model cannot do by the parameter, in the edge's words", async () => {
    const image = await failure(
      client.chat.completions.create({
        model,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            ],
          },
        ],
      }),
    );
    expect(image.status).toBe(400);
    expect(image.param).toBe('messages[0].content');
    expect((image.error as { message?: string }).message).toBe(
      `'messages[0].content' needs a model with the 'vision' capability, and no backend serving 'proxima-demo' has it (GET /v1/models/proxima-demo lists what it can do).`,
    );
    const reasoning = await failure(
      client.chat.completions.create({ model, messages, reasoning_effort: 'high' }),
    );
    expect(reasoning.param).toBe('reasoning_effort');
    const ollama = await post('/api/chat', JSON.stringify({ model, messages, think: 'high' }));
    expect(ollama.status).toBe(400);
    expect(((await ollama.json()) as { error: string }).error).toMatch(
      /^'think' needs a model with the 'reasoning' capability/,
    );
  });

  it('refuses what it cannot serve here rather than drop it', async () => {
    const err = await failure(
      client.chat.completions.create({ model, messages, proxima: { cache: 'off' } } as never),
    );
    expect(err.param).toBe('proxima');
  });

  it('answers unknown routes and wrong methods in the dialect of their path', async () => {
    const openai = await fetch(`${demo.api.url}/v1/nothing`, { headers: auth });
    expect(openai.status).toBe(404);
    expect(await openai.json()).toMatchObject({ error: { code: 'not_found' } });
    const pull = await post('/api/pull', '{}');
    expect(pull.status).toBe(404);
    expect(((await pull.json()) as { error: string }).error).toMatch(/operator manages its models/);
    const get = await fetch(`${demo.api.url}/api/chat`, { headers: auth });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });
});

describe('a client that goes away', () => {
  const long = { model, messages, max_tokens: 1800, temperature: 1, seed: 5 };

  it('stops a streamed generation: the engine sees its signal abort', async () => {
    const before = watched.length;
    const res = await post('/v1/chat/completions', JSON.stringify({ ...long, stream: true }));
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read(); // the role chunk
    await reader.read(); // some output
    await reader.cancel();
    const w = watched[before]!;
    await w.ended;
    expect(w.signal.aborted).toBe(true);
    expect(w.deltas).toBeLessThan(1800);
  });

  it('stops a whole (non-streamed) generation too', async () => {
    const before = watched.length;
    const client = new AbortController();
    const pending = fetch(`${demo.api.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify(long),
      signal: client.signal,
    }).catch((err: unknown) => err);
    // Wait until the engine is generating, then leave.
    while (watched.length === before || watched[before]!.deltas < 5)
      await new Promise((r) => setTimeout(r, 5));
    client.abort();
    expect(await pending).toBeInstanceOf(Error);
    const w = watched[before]!;
    await w.ended;
    expect(w.signal.aborted).toBe(true);
    expect(w.deltas).toBeLessThan(1800);
  });
});
