// POST /v1/embeddings, /api/embed and /v1/ocr over a fixture engine whose embedding and OCR models
// compute their answers from the input by a rule this test knows: the answers are checked exactly
// after their trip through the API and the official clients.
import { Buffer } from 'node:buffer';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidRequestError,
  type EmbedRequest,
  type EmbedResult,
  type Engine,
  type GenerateEvent,
  type OcrRequest,
  type OcrResult,
} from '../engine/engine.ts';
import { startLocalApi, type LocalApi } from './server.ts';

const EMBED = 'fixture-embed';
const OCR = 'fixture-ocr';
const DIMS = 6;

/** The fixture's vector for a text: values a float32 cannot hold exactly in decimal. */
function vectorOf(text: string, dims: number): Float32Array {
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++)
    v[i] = Math.sin(i + 1) * text.length + (text.codePointAt(i % text.length) ?? 0) / 7;
  return v;
}

/** The fixture's reading of an image: its size, its bytes' mean, its type. */
function linesOf(image: OcrRequest['image']): OcrResult['lines'] {
  const { bytes, mimeType } = image;
  const mean = bytes.reduce((sum, b) => sum + b, 0) / bytes.length / 255;
  const [w, h] = [bytes.length, bytes[0] ?? 0];
  return [
    {
      text: `${bytes.length} bytes`,
      confidence: mean,
      box: [
        [0, 0],
        [w, 0],
        [w, h],
        [0, h],
      ],
    },
    {
      text: mimeType,
      confidence: 1 / 3,
      box: [
        [1.5, 2],
        [3, 2],
        [3, 4.25],
        [1.5, 4.25],
      ],
    },
  ];
}

let generated = 0;
const fixture: Engine = {
  models: [
    { id: EMBED, kind: 'embed', contextSize: 512, description: 'fixture embeddings' },
    { id: OCR, kind: 'ocr', contextSize: 1, description: 'fixture OCR' },
  ],
  info: () =>
    Promise.resolve({ engine: 'fixture', gpu: 'cpu', vramTotalBytes: 0, vramFreeBytes: 0 }),
  generate(): AsyncIterable<GenerateEvent> {
    generated++;
    throw new InvalidRequestError('the fixture generates nothing', 'model');
  },
  embed(req: EmbedRequest): Promise<EmbedResult> {
    if (req.dimensions !== undefined && req.dimensions > DIMS)
      throw new InvalidRequestError(`at most ${DIMS} dimensions`, 'dimensions');
    const vectors = req.inputs.map((text) => vectorOf(text, req.dimensions ?? DIMS));
    return Promise.resolve({ vectors, promptTokens: req.inputs.join('').length });
  },
  recognize(req: OcrRequest): Promise<OcrResult> {
    return Promise.resolve({ lines: linesOf(req.image) });
  },
  close: () => Promise.resolve(),
};

let api: LocalApi;
let openai: OpenAI;
let ollama: Ollama;

beforeAll(async () => {
  api = await startLocalApi({ engine: fixture, host: '127.0.0.1', port: 0 });
  openai = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  ollama = new Ollama({ host: api.url });
});
afterAll(async () => {
  await api.close();
});

const inputs = ['alpha', 'Grüße, 世界'];
const expected = (dims = DIMS) => inputs.map((t) => Array.from(vectorOf(t, dims)));

/** Little-endian float32 values from their base64 (OpenAI's `encoding_format: 'base64'`). */
function floatsOfBase64(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

const post = (path: string, body: unknown) =>
  fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('embeddings on an embedding model', () => {
  it("answers in OpenAI's shape, as floats and as base64, through the openai client", async () => {
    for (const encoding_format of ['float', 'base64', undefined] as const) {
      const res = await openai.embeddings.create({
        model: EMBED,
        input: inputs,
        ...(encoding_format === undefined ? {} : { encoding_format }),
      });
      expect(res.model).toBe(EMBED);
      expect(res.usage).toEqual({
        prompt_tokens: inputs.join('').length,
        total_tokens: inputs.join('').length,
      });
      const vectors = res.data.map((d) =>
        typeof d.embedding === 'string' ? floatsOfBase64(d.embedding) : d.embedding,
      );
      expect(vectors).toEqual(expected());
      expect(res.data.map((d) => d.index)).toEqual([0, 1]);
    }
  });

  it('sends base64 as the little-endian float32 bytes', async () => {
    const res = await post('/v1/embeddings', {
      model: EMBED,
      input: 'alpha',
      encoding_format: 'base64',
    });
    const body = (await res.json()) as { data: Array<{ embedding: string }> };
    const floats = floatsOfBase64(body.data[0]!.embedding);
    expect(floats).toEqual(Array.from(vectorOf('alpha', DIMS)));
  });

  it('passes dimensions on, and names the field the engine refuses', async () => {
    const res = await openai.embeddings.create({
      model: EMBED,
      input: inputs,
      dimensions: 3,
      encoding_format: 'float',
    });
    expect(res.data.map((d) => d.embedding)).toEqual(expected(3));
    const err = await openai.embeddings.create({ model: EMBED, input: 'x', dimensions: 7 }).then(
      () => null,
      (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
    );
    expect(err?.status).toBe(400);
    expect(err?.param).toBe('dimensions');
  });

  it("answers Ollama's /api/embed through the ollama client", async () => {
    const res = await ollama.embed({ model: EMBED, input: inputs });
    expect(res.model).toBe(EMBED);
    expect(res.embeddings).toEqual(expected());
    expect(res.prompt_eval_count).toBe(inputs.join('').length);
  });
});

describe('OCR on an OCR model', () => {
  const bytes = Uint8Array.from({ length: 40 }, (_, i) => (i * 37 + 11) % 256);
  const image = `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;

  it('reads an image sent as a data URL: the text, and each line with its confidence and box', async () => {
    const res = await post('/v1/ocr', { model: OCR, image });
    expect(res.status).toBe(200);
    const lines = linesOf({ mimeType: 'image/png', bytes });
    expect(await res.json()).toEqual({
      model: OCR,
      text: lines.map((l) => l.text).join('\n'),
      lines,
    });
  });

  it('refuses a remote URL, a type that is no image, and a model that reads no images', async () => {
    const remote = await post('/v1/ocr', { model: OCR, image: 'https://example.com/page.png' });
    expect(remote.status).toBe(400);
    expect(await remote.json()).toMatchObject({ error: { param: 'image' } });
    const pdf = await post('/v1/ocr', { model: OCR, image: 'data:application/pdf;base64,AAAA' });
    expect(await pdf.json()).toMatchObject({ error: { param: 'image' } });
    const wrong = await post('/v1/ocr', { model: EMBED, image });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: { param: 'model' } });
    const unknown = await post('/v1/ocr', { model: 'nope', image });
    expect(unknown.status).toBe(404);
  });
});

describe('models of each kind', () => {
  it('lists each with its kind, and Ollama lists those its API can use', async () => {
    const list = (await openai.models.list()).data as Array<OpenAI.Model & { proxima: unknown }>;
    expect(list.map((m) => [m.id, m.proxima])).toEqual([
      [EMBED, { context_length: 512, capabilities: ['embeddings'], kind: 'embed' }],
      [OCR, { context_length: 1, capabilities: [], kind: 'ocr' }],
    ]);
    expect((await ollama.list()).models.map((m) => m.name)).toEqual([EMBED]);
    expect((await ollama.show({ model: EMBED })).capabilities).toEqual(['embedding']);
  });

  it('refuses a chat or completion to an embedding model, naming model, before the engine runs', async () => {
    const chat = await openai.chat.completions
      .create({ model: EMBED, messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => null,
        (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
      );
    expect(chat?.status).toBe(400);
    expect(chat?.param).toBe('model');
    expect(chat?.message).toMatch(/'fixture-embed' is an embedding model/);
    const completion = await post('/v1/completions', { model: OCR, prompt: 'x' });
    expect(completion.status).toBe(400);
    const ollamaChat = await post('/api/chat', {
      model: EMBED,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(ollamaChat.status).toBe(400);
    expect(((await ollamaChat.json()) as { error: string }).error).toMatch(/'model'/);
    const embedOcr = await post('/v1/embeddings', { model: OCR, input: 'x' });
    expect(await embedOcr.json()).toMatchObject({ error: { param: 'model' } });
    expect(generated).toBe(0);
  });
});
