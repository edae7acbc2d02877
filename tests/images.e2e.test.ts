// Image parts end to end: the real edge (IMAGE_URL_HOSTS=127.0.0.1) fetches remote images from a
// real local HTTP server, and a real node agent whose engine announces 'vision' answers with the
// SHA-256 of every image it received; the official openai client checks those are the bytes sent.
import OpenAI from 'openai';
import type { ChatCompletionContentPart } from 'openai/resources/chat/completions';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_LIMITS } from '@proxima/core/protocol';
import { spawnChild, type Child } from '@proxima/local-node/child';
import { createNodeToken, eventually, startTestFleet, type TestFleet } from './fleet.ts';
import { digestOf, type ImageDigest } from './images/digest-engine.ts';
import { NOT_FOR_CLIENTS, startImageServer, type ImageServer } from './images/image-server.ts';
import { tinyPng } from './images/png.ts';
import { badRequest } from './openai-errors.ts';

const VISION = 'vision-fixture';
const DEMO = 'proxima-demo';
const FETCH_TIMEOUT_MS = 2000;
const DIGEST_NODE = join(import.meta.dirname, 'images', 'digest-node.ts');

const png = tinyPng(7, 5, 1);
const otherPng = tinyPng(3, 9, 2);
/** PNG bytes padded to exactly the limit: the largest image an edge fetches. */
const atLimit = Buffer.concat([png, Buffer.alloc(IMAGE_LIMITS.bytes - png.length, 0x5a)]);
const overLimit = Buffer.concat([atLimit, Buffer.from([0x5a])]);

let server: ImageServer;
let t: TestFleet;
let client: OpenAI;
let visionNode: Child | undefined;

function dataUrl(bytes: Buffer): string {
  return `data:image/png;base64,${bytes.toString('base64')}`;
}

function image(url: string): ChatCompletionContentPart {
  return { type: 'image_url', image_url: { url } };
}

const text = (words: string): ChatCompletionContentPart => ({ type: 'text', text: words });

/** The digests the vision node reports for a user message with these parts. */
async function digests(parts: ChatCompletionContentPart[]): Promise<ImageDigest[]> {
  const res = await client.chat.completions.create({
    model: VISION,
    messages: [{ role: 'user', content: parts }],
  });
  return JSON.parse(res.choices[0]?.message.content ?? 'null') as ImageDigest[];
}

async function startVisionNode(): Promise<Child> {
  const { url } = t.fleet.info;
  const token = await createNodeToken(t, 'vision-1');
  let connected = false;
  const child = spawnChild({
    name: 'vision-1',
    command: process.execPath,
    args: [DIGEST_NODE, '--edge', url, '--node-id', 'vision-1', '--model', VISION],
    env: { PROXIMA_NODE_TOKEN: token },
    onLine: (line) => {
      if (line.includes('"event":"edge.connected"')) connected = true;
      else if (line.includes('node.fatal')) console.error(line);
    },
  });
  await eventually(() => (connected ? true : undefined), 30_000);
  return child;
}

beforeAll(async () => {
  server = await startImageServer({ png, chunked: atLimit, huge: overLimit });
  t = await startTestFleet(1, {
    IMAGE_URL_HOSTS: '127.0.0.1',
    IMAGE_FETCH_TIMEOUT_MS: String(FETCH_TIMEOUT_MS),
  });
  client = new OpenAI({
    baseURL: `${t.fleet.info.url}/v1`,
    apiKey: t.fleet.info.apiKey,
    maxRetries: 0,
  });
  visionNode = await startVisionNode();
  // Routable once presence lists it with its capability.
  const listed = async () => {
    const model = (await client.models.list()).data.find((m) => m.id === VISION);
    const caps = (model as { proxima?: { capabilities?: string[] } } | undefined)?.proxima
      ?.capabilities;
    return caps?.includes('vision') === true;
  };
  for (let i = 0; !(await listed()); i++) {
    if (i > 100) throw new Error(`${VISION} is not listed with 'vision'`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(async () => {
  await visionNode?.stop('SIGTERM', 5000);
  await t?.close();
  await server?.close();
});

describe('images reach a vision node byte-exact', () => {
  it('a data URL', async () => {
    expect(await digests([text('What is this?'), image(dataUrl(png))])).toEqual([
      digestOf(png, 'image/png'),
    ]);
  });

  it('a remote image: the bytes the server sent, fetched by the edge', async () => {
    const before = server.requests.length;
    expect(await digests([text('And this?'), image(`${server.origin}/tiny.png`)])).toEqual([
      digestOf(png, 'image/png'),
    ]);
    expect(server.requests.slice(before)).toEqual([`127.0.0.1:${server.port} /tiny.png`]);
  });

  it('data and remote images in one message, in order, streamed', async () => {
    const stream = await client.chat.completions.create({
      model: VISION,
      stream: true,
      messages: [
        {
          role: 'user',
          content: [
            image(dataUrl(otherPng)),
            text('Compare them.'),
            image(`${server.origin}/typed.png`),
          ],
        },
      ],
    });
    let answer = '';
    for await (const chunk of stream) answer += chunk.choices[0]?.delta.content ?? '';
    expect(JSON.parse(answer)).toEqual([
      digestOf(otherPng, 'image/png'),
      digestOf(png, 'image/png'),
    ]);
  });

  it('a redirect to the same allowed host is followed', async () => {
    const before = server.requests.length;
    expect(await digests([image(`${server.origin}/here.png`)])).toEqual([
      digestOf(png, 'image/png'),
    ]);
    expect(server.requests.slice(before)).toEqual([
      `127.0.0.1:${server.port} /here.png`,
      `127.0.0.1:${server.port} /tiny.png?from=here`,
    ]);
  });

  it('an image of exactly IMAGE_LIMITS.bytes, sent in chunks, still fits the job frame', async () => {
    expect(await digests([image(`${server.origin}/chunked.png`)])).toEqual([
      digestOf(atLimit, 'image/png'),
    ]);
  });
});

describe('remote images the edge refuses, each a 400 naming the field', () => {
  const field = 'messages[1].content[2].image_url.url';

  /** A request whose second message holds `url` as its third part (after a data image and text). */
  async function refusal(url: string) {
    const err = await badRequest(
      client.chat.completions.create({
        model: VISION,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [image(dataUrl(otherPng)), text('Look:'), image(url)] },
        ],
      }),
    );
    expect(err.param).toBe(field);
    expect(err.message).toContain(field);
    expect(err.message).not.toContain(NOT_FOR_CLIENTS);
    return err;
  }

  it('a host not in IMAGE_URL_HOSTS is never fetched, and the message says how to allow it', async () => {
    const before = server.requests.length;
    const err = await refusal(`http://localhost:${server.port}/tiny.png`);
    expect(err.message).toMatch(/localhost.*IMAGE_URL_HOSTS/);
    expect(server.requests.slice(before)).toEqual([]);
  });

  it('a 404', async () => {
    expect((await refusal(`${server.origin}/missing.png`)).message).toContain('HTTP 404');
  });

  it('a body that is not an image type', async () => {
    expect((await refusal(`${server.origin}/page.png`)).message).toContain('content-type');
  });

  it('an image one byte over the limit, sent in chunks or declared', async () => {
    for (const path of ['/huge.png', '/huge-declared.png']) {
      const err = await refusal(`${server.origin}${path}`);
      expect(err.message).toMatch(/over \d+ bytes/);
    }
  });

  it('a redirect to another host, which is never fetched', async () => {
    const before = server.requests.length;
    const err = await refusal(`${server.origin}/away.png`);
    expect(err.message).toContain('redirects to localhost');
    expect(server.requests.slice(before)).toEqual([`127.0.0.1:${server.port} /away.png`]);
  });

  it('endless redirects', async () => {
    expect((await refusal(`${server.origin}/loop.png`)).message).toContain('redirects');
  });

  it('a server that does not answer, after IMAGE_FETCH_TIMEOUT_MS', async () => {
    const started = Date.now();
    const err = await refusal(`${server.origin}/hang.png`);
    expect(err.message).toContain(`${FETCH_TIMEOUT_MS} ms`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(FETCH_TIMEOUT_MS - 100);
    expect(Date.now() - started).toBeLessThan(FETCH_TIMEOUT_MS + 5000);
  });
});

it('a model without vision (the demo model): a 400 naming the message content', async () => {
  const err = await badRequest(
    client.chat.completions.create({
      model: DEMO,
      messages: [{ role: 'user', content: [text('What is this?'), image(dataUrl(png))] }],
    }),
  );
  expect(err.param).toBe('messages[0].content');
  expect(err.message).toContain("'vision'");
});
