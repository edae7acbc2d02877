// Azure burst, end to end, as real as this machine allows (issue 13):
// - the edge (wrangler dev, tests/fleet.ts) with AZURE_FUNCTION_URL, BURST_SECRET and
//   AZURE_BURST_MODELS set, one fleet node serving the random-weight demo model;
// - the Function App's local host (functions/src/local-host) on Azurite, with the real job
//   runners, configured by the same app settings as in Azure;
// - "Foundry": a small server in this test. Chat requests go on to a real node's OpenAI-compatible
//   API (`proxima node --listen`, the demo model): a local node standing in for Foundry. Audio
//   transcription, which no model here can do, is answered by the server itself, a recording
//   stand-in that keeps what reached it. OCR runs on the Function App's own ONNX models.
// The official openai client calls the edge.
import { Buffer } from 'node:buffer';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnChild, type Child } from '@proxima/local-node/child';
import { jsonLogger } from '@proxima/local-node/log';
import { parseConfig } from '../functions/src/config.ts';
import { startAzurite, type Azurite } from '../functions/src/local-host/azurite.ts';
import {
  startLocalFunctionsHost,
  type LocalFunctionsHost,
} from '../functions/src/local-host/host.ts';
import { runnerOptionsFrom } from '../functions/src/queue/runner-options.ts';
import { createRunners } from '../functions/src/runners/create-runners.ts';
import type { JobRunner } from '../functions/src/runners/runner.ts';
import { charAccuracy } from '../local-node/src/engine/ocr/char-accuracy.testing.ts';
import { renderPage } from '../local-node/src/engine/ocr/render-text.testing.ts';
import { eventually, openaiClient, startTestFleet, type TestFleet } from './fleet.ts';

const DEMO = 'proxima-demo';
/** A model only the Function App serves (Foundry maps it to the demo model on node A). */
const AZURE_ONLY = 'azure-only-chat';
const WHISPER = 'whisper-1';
const OCR_MODEL = 'paddleocr-v4';
/** TEST-ONLY secret, public in this repository. */
const SECRET = 'test-only-burst-secret-NOT-SECRET-0123456789';
const TRANSCRIPT = 'Burst jobs reach the stand-in.';
const messages = [{ role: 'user' as const, content: 'Tell me about the sea.' }];

interface Seen {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

interface FoundryStandIn {
  /** Shaped like Foundry's: http://127.0.0.1:PORT/openai/v1/ */
  readonly baseURL: string;
  readonly seen: Seen[];
  /** Where chat goes on to: the node's `<url>/v1`. */
  chatTarget: string | null;
  close(): Promise<void>;
}

async function startFoundryStandIn(): Promise<FoundryStandIn> {
  const seen: Seen[] = [];
  const standIn: FoundryStandIn = {
    baseURL: '',
    seen,
    chatTarget: null,
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (p: Buffer) => parts.push(p));
    req.on('end', () => {
      const path = req.url ?? '';
      const body = Buffer.concat(parts);
      seen.push({ path, headers: req.headers, body });
      void answer(path, req.headers, body).then(
        ({ status, type, text }) => {
          res.writeHead(status, { 'content-type': type });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
    });
  });
  const answer = async (
    path: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): Promise<{ status: number; type: string; text: string }> => {
    if (path === '/openai/v1/audio/transcriptions') {
      const form = await new Response(body, {
        headers: { 'content-type': headers['content-type'] ?? '' },
      }).formData();
      if (form.get('response_format') === 'text')
        return { status: 200, type: 'text/plain', text: `${TRANSCRIPT}\n` };
      const usage = { type: 'tokens', input_tokens: 7, output_tokens: 6, total_tokens: 13 };
      return {
        status: 200,
        type: 'application/json',
        text: JSON.stringify({ text: TRANSCRIPT, usage }),
      };
    }
    if (standIn.chatTarget !== null && path.startsWith('/openai/v1/')) {
      const res = await fetch(`${standIn.chatTarget}/${path.slice('/openai/v1/'.length)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      return {
        status: res.status,
        type: res.headers.get('content-type') ?? 'application/json',
        text: await res.text(),
      };
    }
    return { status: 404, type: 'text/plain', text: `no route for ${path}` };
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(standIn, {
    baseURL: `http://127.0.0.1:${port}/openai/v1/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** A short PCM WAV: the stand-in only passes it on, so its content is arbitrary. */
function wavBytes(samples = 1600): Buffer {
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(8000 * Math.sin(i / 8)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(16_000, 24);
  header.writeUInt32LE(32_000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

let dir = '';
let foundry: FoundryStandIn;
let azurite: Azurite;
let runner: JobRunner;
let host: LocalFunctionsHost;
let t: TestFleet;
let client: OpenAI;
let nodeA: Child | null = null;
/** The Function App host's log lines, shown when a test fails. */
const hostLines: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'proxima-burst-'));
  foundry = await startFoundryStandIn();
  azurite = await startAzurite({ dir: join(dir, 'azurite') });
  // The app settings the Function App reads in Azure, pointing at this machine's stand-ins.
  const env = {
    AzureWebJobsStorage: azurite.connectionString,
    PROXIMA_BURST_SECRET: SECRET,
    FOUNDRY_ENDPOINT: foundry.baseURL,
    FOUNDRY_API_KEY: 'stand-in-key',
    FOUNDRY_DEPLOYMENTS: `${AZURE_ONLY}=${DEMO},${DEMO}=${DEMO},${WHISPER}=whisper-deployment`,
    OCR_EP: 'cpu',
  };
  const log = jsonLogger((line) => hostLines.push(line));
  runner = await createRunners(runnerOptionsFrom(parseConfig(env), log));
  host = await startLocalFunctionsHost({ env, runner, log, queue: { pollIntervalMs: [50, 200] } });
  t = await startTestFleet(1, {
    AZURE_FUNCTION_URL: host.url,
    BURST_SECRET: SECRET,
    AZURE_BURST_MODELS: `${AZURE_ONLY}:json_schema,${DEMO}`,
    BURST_WAIT_MS: '90000',
    EXPOSE_BACKEND_HEADER: 'true',
  });
  client = openaiClient(t);
  let url: string | undefined;
  nodeA = spawnChild({
    name: 'foundry-node',
    command: process.execPath,
    args: [t.fleet.proximaBin, 'node', '--listen', '127.0.0.1:0', '--model', t.fleet.modelPath],
    env: {},
    onLine: (line) => {
      try {
        const event = JSON.parse(line) as Record<string, unknown>;
        if (event['event'] === 'local_api.listening') url = String(event['url']);
      } catch {
        // not a log line
      }
    },
  });
  foundry.chatTarget = `${await eventually(() => url, 60_000)}/v1`;
}, 240_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') {
    console.error(`Function App host, last lines:\n${hostLines.slice(-40).join('')}`);
    console.error(`edge, last lines:\n${(t?.lines.get('edge') ?? []).slice(-40).join('\n')}`);
  }
});

afterAll(async () => {
  await nodeA?.stop('SIGTERM', 5000);
  await t?.close();
  await host?.close();
  await runner?.close();
  await azurite?.close();
  await foundry?.close();
  await rm(dir, { recursive: true, force: true });
});

const chatSeen = () => foundry.seen.filter((s) => s.path === '/openai/v1/chat/completions');

describe('chat bursts to the Function App', () => {
  let whole = '';

  it('answers a model only Azure serves, from the Function App', async () => {
    const before = chatSeen().length;
    const { data, response } = await client.chat.completions
      .create({ model: AZURE_ONLY, messages, max_tokens: 12, temperature: 0 })
      .withResponse();
    expect(response.headers.get('x-proxima-backend')).toBe('azure');
    expect(data.model).toBe(AZURE_ONLY);
    expect(data.id).toMatch(/^chatcmpl-/);
    whole = data.choices[0]?.message.content ?? '';
    expect(whole.length).toBeGreaterThan(0);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    // It reached "Foundry" once, under the deployment's name.
    const sent = chatSeen().slice(before);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]!.body.toString('utf8'))).toMatchObject({
      model: DEMO,
      max_tokens: 12,
      temperature: 0,
    });
  });

  it('replays it as a well-formed stream when streamed', async () => {
    const stream = await client.chat.completions.create({
      model: AZURE_ONLY,
      messages,
      max_tokens: 12,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    const ids = new Set<string>();
    let usage = 0;
    for await (const chunk of stream) {
      ids.add(chunk.id);
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage?.completion_tokens ?? usage;
    }
    // Greedy decoding on the same model: the same answer as the whole one.
    expect(text).toBe(whole);
    expect(finish).not.toBeNull();
    expect(ids.size).toBe(1);
    expect(usage).toBeGreaterThan(0);

    const raw = await fetch(`${t.fleet.info.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${t.fleet.info.apiKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ model: AZURE_ONLY, messages, max_tokens: 4, stream: true }),
    });
    expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(raw.headers.get('x-proxima-backend')).toBe('azure');
    const events = (await raw.text()).split('\n\n').filter((e) => e !== '');
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    expect(events.at(-1)).toBe('data: [DONE]');
    for (const e of events.slice(0, -1))
      expect(() => JSON.parse(e.slice(6)) as unknown).not.toThrow();
  });
});

describe('OCR and transcription, only on the Function App', () => {
  it('reads the text of a rendered image through /v1/ocr', async () => {
    const lines = ['Burst jobs read this page', 'Total due 42 euros'];
    const page = await renderPage({ lines, width: 560, height: 140, fontSize: 28 });
    const res = await fetch(`${t.fleet.info.url}/v1/ocr`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${t.fleet.info.apiKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        model: OCR_MODEL,
        image: `data:image/png;base64,${Buffer.from(page.bytes).toString('base64')}`,
      }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('x-proxima-backend')).toBe('azure');
    const body = (await res.json()) as { model: string; text: string; lines: { text: string }[] };
    expect(body.model).toBe(OCR_MODEL);
    expect(body.lines).toHaveLength(lines.length);
    lines.forEach((line, i) =>
      expect(charAccuracy(line, body.lines[i]!.text), body.text).toBeGreaterThanOrEqual(0.9),
    );
  });

  it('transcribes with the official client through the recording stand-in', async () => {
    const audio = wavBytes();
    const file = await toFile(audio, 'hello.wav', { type: 'audio/wav' });
    const { data, response } = await client.audio.transcriptions
      .create({ file, model: WHISPER, language: 'en', response_format: 'json' })
      .withResponse();
    expect(response.headers.get('x-proxima-backend')).toBe('azure');
    expect(data.text).toBe(TRANSCRIPT);
    const sent = foundry.seen.filter((s) => s.path === '/openai/v1/audio/transcriptions').at(-1);
    if (sent === undefined) throw new Error('nothing reached the stand-in');
    const form = await new Response(sent.body, {
      headers: { 'content-type': sent.headers['content-type'] ?? '' },
    }).formData();
    const forwarded = form.get('file');
    expect(forwarded).toBeInstanceOf(File);
    expect(Buffer.from(await (forwarded as File).arrayBuffer())).toEqual(audio);
    expect(form.get('model')).toBe('whisper-deployment');
    expect(form.get('language')).toBe('en');

    const text = await client.audio.transcriptions.create({
      file: await toFile(audio, 'hello.wav', { type: 'audio/wav' }),
      model: WHISPER,
      response_format: 'text',
    });
    expect(text).toBe(`${TRANSCRIPT}\n`);
  });

  it("gives a failed job's client error back: a model Foundry does not serve is a 404", async () => {
    const file = await toFile(wavBytes(), 'hello.wav', { type: 'audio/wav' });
    const err = await client.audio.transcriptions.create({ file, model: 'unknown-asr' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(404);
  });
});

describe('when the local nodes are gone', () => {
  it('serves a model both serve from the node first, then from the Function App', async () => {
    const first = await client.chat.completions
      .create({ model: DEMO, messages, max_tokens: 4 })
      .withResponse();
    expect(first.response.headers.get('x-proxima-backend')).toBe(
      `node:${t.fleet.nodes[0]?.nodeId}`,
    );
    await t.fleet.nodes[0]?.child.stop('SIGTERM', 10_000);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { data, response } = await client.chat.completions
        .create({ model: DEMO, messages, max_tokens: 4 })
        .withResponse();
      const backend = response.headers.get('x-proxima-backend');
      if (backend === 'azure') {
        expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
        break;
      }
      if (Date.now() > deadline) throw new Error(`still served by ${backend}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });
});
