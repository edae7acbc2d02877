// The OpenAI-compatible embedder (edge/src/embed/openai-compatible.ts) against a real HTTP server:
// it runs wherever fetch does, and workerd tests cannot listen, so this runs in Node.
import { parseEmbedderConfig } from '@proxima/core/embed';
import { describeEmbedderContract } from '@proxima/core/embed/contract';
import { LexicalEmbedder } from '@proxima/wasm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  OpenAiCompatibleEmbedder,
  type OpenAiEmbedderConfig,
} from '../edge/src/embed/openai-compatible.ts';
import {
  EMBED_STAND_IN_SECRET,
  STAND_IN_MAX_INPUTS,
  startEmbeddingsStandIn,
  type EmbeddingsStandIn,
} from './embeddings-stand-in.ts';

let server: EmbeddingsStandIn;
beforeAll(async () => {
  server = await startEmbeddingsStandIn();
});
afterAll(async () => {
  await server.close();
});

const KEY = 'sk-embed-stand-in-0123456789';

function embedder(
  mode: string,
  extra: Record<string, unknown> = {},
  timeoutMs = 5000,
): OpenAiCompatibleEmbedder {
  const config = parseEmbedderConfig(
    JSON.stringify({
      kind: 'openai',
      baseUrl: `${server.origin}/${mode}/v1/`,
      model: 'stand-in-embed',
      keyVar: 'EMBED_KEY',
      dim: 256,
      maxBatch: STAND_IN_MAX_INPUTS,
      ...extra,
    }),
  ) as OpenAiEmbedderConfig;
  return new OpenAiCompatibleEmbedder(config, { apiKey: KEY, timeoutMs });
}

describeEmbedderContract('OpenAI-compatible (a real HTTP server serving lexical vectors)', () =>
  Promise.resolve(embedder('ok')),
);

describe('the OpenAI-compatible embedder', () => {
  it("posts OpenAI's request with the key, and returns the server's vectors", async () => {
    const before = server.seen.length;
    const vectors = await embedder('ok').embed(['first text', 'second text']);
    expect(server.seen.slice(before)).toEqual([
      {
        path: '/ok/v1/embeddings',
        authorization: `Bearer ${KEY}`,
        body: {
          model: 'stand-in-embed',
          input: ['first text', 'second text'],
          encoding_format: 'float',
        },
      },
    ]);
    const lexical = new LexicalEmbedder();
    expect(vectors).toEqual([lexical.embed('first text'), lexical.embed('second text')]);
  });

  it('asks for `dimensions` when the config says so', async () => {
    const before = server.seen.length;
    const e = embedder('ok', { dim: 384, dimensions: true });
    const [v] = await e.embed(['hello']);
    expect(server.seen.at(before)?.body.dimensions).toBe(384);
    expect(v).toEqual(new LexicalEmbedder({ dim: 384 }).embed('hello'));
    expect(e.id).toBe(`openai:${server.origin}/ok/v1#stand-in-embed/384`);
  });

  it('puts vectors in input order by their index', async () => {
    const texts = ['one', 'two', 'three'];
    expect(await embedder('shuffled').embed(texts)).toEqual(await embedder('ok').embed(texts));
  });

  // A maxBatch over what the server takes is the operator's mistake: the server refuses (400).
  const overBatch = Array.from({ length: STAND_IN_MAX_INPUTS + 1 }, (_, i) => `text ${i}`);
  it.each([
    ['a 5xx', 'broken', {}, ['a'], 'status 500'],
    ['an answer that never ends', 'huge', {}, ['a'], 'answer too large'],
    ['an answer one vector short', 'short', {}, ['a', 'b', 'c'], '2 vectors for 3 inputs'],
    ['a refusal (4xx)', 'ok', { maxBatch: 64 }, overBatch, 'status 400'],
  ])(
    'turns %s into a 502 upstream_error; the server’s words stay in the log',
    async (_, mode, extra, texts, logged) => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      try {
        const err = await embedder(mode, extra)
          .embed(texts)
          .catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'upstream_error', status: 502 });
        expect(String((err as Error).message)).not.toContain('hunter2');
        const log = warn.mock.calls.map((c) => String(c[0])).join('\n');
        expect(log).toContain(logged);
        expect(log).toContain('"event":"embedder.failed"');
        if (mode === 'broken') expect(log).toContain(EMBED_STAND_IN_SECRET.slice(0, 30));
      } finally {
        warn.mockRestore();
      }
    },
  );

  it('gives up on a server that does not answer: 504 upstream_timeout', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const started = Date.now();
      const err = await embedder('slow', {}, 300)
        .embed(['a'])
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'upstream_timeout', status: 504 });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      warn.mockRestore();
    }
  });

  it('stops waiting when the caller goes away', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('client left')), 100);
    const err = await embedder('slow')
      .embed(['a'], { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'client_closed' });
  });
});
