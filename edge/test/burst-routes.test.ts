// The burst routes inside workerd: POST /v1/ocr and POST /v1/audio/transcriptions refuse bad
// input by field before any job is sent, answer 503 without a Function App, and chat requests
// reach the burst tier when only it can serve them. The Function App here is a closed port on
// this machine (http://127.0.0.1:1): every job that gets through validation fails to be sent,
// which is how these tests see that it was sent. The whole chain runs in tests/burst.e2e.test.ts.
import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { BURST_LIMITS } from '@proxima/core/jobs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { app } from '../src/app.ts';
import type { Env } from '../src/env.ts';
import { OCR_BODY_MAX_BYTES } from '../src/routes/ocr.ts';
import { TRANSCRIPTION_BODY_MAX_BYTES } from '../src/routes/transcriptions.ts';
import { BASE, chat, nodeWithCapabilities, newApiKey, unique, type ErrorJson } from './helpers.ts';

const CLOSED = 'http://127.0.0.1:1';
const PNG = 'data:image/png;base64,iVBORw0KGgo=';
const WAV = new Uint8Array([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x41, 0x56, 0x45]);

let key: string;
let quiet: Array<{ mockRestore(): void }>;

beforeAll(async () => {
  key = await newApiKey();
  // Failed sends are logged by design; the tests read answers, not logs.
  quiet = [
    vi.spyOn(console, 'warn').mockImplementation(() => undefined),
    vi.spyOn(console, 'error').mockImplementation(() => undefined),
  ];
});

afterAll(() => {
  for (const q of quiet) q.mockRestore();
});

/** The app with the burst tier configured (a closed port for its Function App). */
async function withBurst(request: Request, vars: Partial<Record<keyof Env, string>> = {}) {
  const ctx = createExecutionContext();
  const res = await app.fetch(
    request,
    {
      ...env,
      AZURE_FUNCTION_URL: CLOSED,
      BURST_SECRET: 'test-only-burst-secret-0123456789abcdef',
      BURST_WAIT_MS: '1000',
      ...vars,
    },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

function ocrRequest(body: unknown): Request {
  return new Request(`${BASE}/v1/ocr`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function transcription(
  fields: Record<string, string>,
  file: Blob | null = new Blob([WAV], { type: 'audio/wav' }),
  name = 'hello.wav',
): Request {
  const form = new FormData();
  if (file !== null) form.set('file', file, name);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return new Request(`${BASE}/v1/audio/transcriptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: form,
  });
}

async function refusal(res: Response): Promise<[number, string, string | null]> {
  const body = await res.json<ErrorJson>();
  return [res.status, body.error.code, body.error.param];
}

describe('without a Function App', () => {
  it('answers 503 naming AZURE_FUNCTION_URL on both routes, after the API key', async () => {
    for (const req of [
      ocrRequest({ model: 'paddleocr-v4', image: PNG }),
      transcription({ model: 'whisper' }),
    ]) {
      const res = await SELF.fetch(req);
      expect(res.status).toBe(503);
      const body = await res.json<ErrorJson>();
      expect(body.error.code).toBe('service_unavailable');
      expect(body.error.message).toContain('AZURE_FUNCTION_URL');
    }
    const anonymous = await SELF.fetch(`${BASE}/v1/ocr`, { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
  });

  it('says which method the routes take', async () => {
    const res = await SELF.fetch(`${BASE}/v1/audio/transcriptions`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});

describe('POST /v1/ocr', () => {
  it('names the field at fault', async () => {
    expect(await refusal(await withBurst(ocrRequest({ image: PNG })))).toEqual([
      400,
      'invalid_request',
      'model',
    ]);
    expect(
      await refusal(await withBurst(ocrRequest({ model: 'm', image: 'data:image/png;base64,@' }))),
    ).toEqual([400, 'invalid_request', 'image']);
    expect(
      await refusal(await withBurst(ocrRequest({ model: 'm', image: 'https://x.example/a.png' }))),
    ).toEqual([400, 'unsupported_parameter', 'image']);
    expect(await refusal(await withBurst(ocrRequest('{"model":')))).toEqual([
      400,
      'invalid_json',
      null,
    ]);
  });

  it("refuses an image over the job's limit in the client's terms, and a body over the cap", async () => {
    const big = 'A'.repeat(Math.ceil((BURST_LIMITS.imageBytes + 3) / 3) * 4);
    const image = `data:image/png;base64,${big}`;
    const res = await withBurst(ocrRequest({ model: 'paddleocr-v4', image }));
    const [status, code, param] = await refusal(res);
    expect([status, code, param]).toEqual([413, 'payload_too_large', 'image']);
    const huge = await withBurst(
      ocrRequest({ model: 'm', image: `${image}${'A'.repeat(OCR_BODY_MAX_BYTES)}` }),
    );
    expect(huge.status).toBe(413);
  });

  it('sends a good request to the Function App, and says so when it cannot be reached', async () => {
    const res = await withBurst(ocrRequest({ model: 'paddleocr-v4', image: PNG }));
    expect(await refusal(res)).toEqual([502, 'upstream_error', null]);
  });
});

describe('POST /v1/audio/transcriptions', () => {
  it('takes only multipart/form-data (415), within its size cap (413)', async () => {
    const json = new Request(`${BASE}/v1/audio/transcriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{"model":"whisper"}',
    });
    expect(await refusal(await withBurst(json))).toEqual([415, 'unsupported_media_type', null]);
    const tooBig = new Blob([new Uint8Array(TRANSCRIPTION_BODY_MAX_BYTES)], { type: 'audio/wav' });
    expect(await refusal(await withBurst(transcription({ model: 'whisper' }, tooBig)))).toEqual([
      413,
      'payload_too_large',
      'file',
    ]);
  });

  it('names each field at fault, with the rules of the job', async () => {
    const cases: Array<[Request, number, string, string]> = [
      [transcription({ model: 'whisper' }, null), 400, 'invalid_request', 'file'],
      [transcription({}), 400, 'invalid_request', 'model'],
      [transcription({ model: 'bad model' }), 400, 'invalid_request', 'model'],
      [
        transcription({ model: 'whisper', response_format: 'xml' }),
        400,
        'invalid_request',
        'response_format',
      ],
      [
        transcription({ model: 'whisper', temperature: 'hot' }),
        400,
        'invalid_request',
        'temperature',
      ],
      [
        transcription({ model: 'whisper', temperature: '3' }),
        400,
        'invalid_request',
        'temperature',
      ],
      [
        transcription({ model: 'whisper', language: 'English' }),
        400,
        'invalid_request',
        'language',
      ],
      [
        transcription({ model: 'whisper', prompt: 'p'.repeat(5000) }),
        400,
        'invalid_request',
        'prompt',
      ],
      [transcription({ model: 'whisper', stream: 'true' }), 400, 'unsupported_parameter', 'stream'],
      [
        transcription({ model: 'whisper', 'timestamp_granularities[]': 'word' }),
        400,
        'unsupported_parameter',
        'timestamp_granularities',
      ],
      [
        transcription({ model: 'whisper' }, new Blob([WAV], { type: 'video/quicktime' }), 'a.mov'),
        400,
        'invalid_request',
        'file',
      ],
      [
        transcription({ model: 'whisper' }, new Blob([], { type: 'audio/wav' })),
        400,
        'invalid_request',
        'file',
      ],
    ];
    for (const [req, status, code, param] of cases) {
      const res = await withBurst(req);
      const body = await res.json<ErrorJson>();
      expect([res.status, body.error.code, body.error.param], body.error.message).toEqual([
        status,
        code,
        param,
      ]);
      expect(body.error.message).not.toContain('input.');
    }
  });

  it('takes the audio type from the file name when the part has none, and sends the job', async () => {
    const untyped = new Blob([WAV]);
    const res = await withBurst(
      transcription({ model: 'whisper', response_format: 'text' }, untyped, 'a.wav'),
    );
    expect(await refusal(res)).toEqual([502, 'upstream_error', null]);
  });
});

describe('chat on the burst tier', () => {
  const messages = [{ role: 'user', content: 'hi' }];

  function chatWithBurst(body: unknown, models: string): Promise<Response> {
    return withBurst(
      new Request(`${BASE}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
      { AZURE_BURST_MODELS: models },
    );
  }

  it('sends a model only the Function App serves there, streamed or not', async () => {
    const model = unique('azure-only');
    expect((await chat(key, { model, messages })).status).toBe(404);
    for (const stream of [false, true]) {
      const res = await chatWithBurst({ model, messages, stream }, `${model}:tools`);
      expect(await refusal(res)).toEqual([502, 'upstream_error', null]);
    }
  });

  it('lists the models Azure serves in /v1/models, with their capabilities', async () => {
    const model = unique('azure-listed');
    const list = async (vars: Partial<Record<keyof Env, string>>) => {
      const res = await withBurst(
        new Request(`${BASE}/v1/models`, { headers: { authorization: `Bearer ${key}` } }),
        vars,
      );
      expect(res.status).toBe(200);
      return (await res.json<{ data: { id: string; proxima: { capabilities: string[] } }[] }>())
        .data;
    };
    const listed = (await list({ AZURE_BURST_MODELS: `${model}:vision+tools` })).find(
      (m) => m.id === model,
    );
    expect(listed?.proxima.capabilities).toEqual(expect.arrayContaining(['vision', 'tools']));
    // Without a Function App to send them to, they are not served.
    const without = await list({ AZURE_BURST_MODELS: model, AZURE_FUNCTION_URL: '' });
    expect(without.some((m) => m.id === model)).toBe(false);
  });

  it('sends image parts there when no node model can see them', async () => {
    const model = unique('blind');
    const node = await nodeWithCapabilities(model, []);
    const content = [
      { type: 'text', text: 'what is this?' },
      { type: 'image_url', image_url: { url: PNG } },
    ];
    const body = { model, messages: [{ role: 'user', content }] };
    const without = await chat(key, body);
    expect(await refusal(without)).toEqual([400, 'unsupported_parameter', 'messages[0].content']);
    // The Function App's model lacks vision too: the same 400.
    expect((await chatWithBurst(body, `${model}:tools`)).status).toBe(400);
    expect(await refusal(await chatWithBurst(body, `${model}:vision`))).toEqual([
      502,
      'upstream_error',
      null,
    ]);
    expect(node.received.filter((m) => m.type === 'job')).toEqual([]);
    node.ws.close();
  });

  it('leaves raw completions to nodes and upstreams: a job is a chat', async () => {
    const model = unique('azure-only');
    const res = await withBurst(
      new Request(`${BASE}/v1/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, prompt: 'Once' }),
      }),
      { AZURE_BURST_MODELS: model },
    );
    expect(res.status).toBe(503);
  });
});
