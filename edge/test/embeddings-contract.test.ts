// The Embedder contract (core/embed/contract) for the embedders that run inside workerd. The
// OpenAI-compatible one needs a listening server, so it runs in Node: tests/embeddings-openai.test.ts.
import { memoizedEmbedder } from '@proxima/core/embed';
import { describeEmbedderContract } from '@proxima/core/embed/contract';
import { parseEmbedderConfig } from '@proxima/core/embed';
import { LexicalEmbedder } from '@proxima/wasm';
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { embedderFor } from '../src/embed/embedder.ts';
import { LexicalHashEmbedder } from '../src/embed/lexical.ts';
import { WorkersAiEmbedder, type AiBinding } from '../src/embed/workers-ai.ts';
import type { Env } from '../src/env.ts';

/**
 * A stand-in for the Workers AI binding, which does not exist offline: a real object with the
 * binding's `run(model, { text })` shape, answering `{ shape, data }` as Cloudflare documents for
 * `@cf/baai/bge-*`, with lexical embeddings (384-d) as the data. Like the real model it refuses
 * an empty string and more than 100 texts, so the contract proves the embedder respects both.
 */
class LexicalBackedAiBinding implements AiBinding {
  readonly calls: string[][] = [];
  private readonly lexical = new LexicalEmbedder({ dim: 384 });

  run(model: string, input: { text: string[] }): Promise<unknown> {
    this.calls.push(input.text);
    if (model !== BGE) return Promise.reject(new Error(`AiError: no such model ${model}`));
    if (input.text.length > 100 || input.text.some((t) => t === '')) {
      return Promise.reject(new Error('AiError: 5006: invalid input'));
    }
    const data = input.text.map((t) => Array.from(this.lexical.embed(t)));
    return Promise.resolve({ shape: [data.length, 384], data, pooling: 'mean' });
  }
}

const BGE = '@cf/baai/bge-small-en-v1.5';
const workersAi = { kind: 'workers-ai', binding: 'AI', model: BGE, dim: 384 } as const;

describeEmbedderContract('lexical (built in, 256-d)', () =>
  Promise.resolve(new LexicalHashEmbedder()),
);
describeEmbedderContract('lexical behind the per-request memo', () =>
  Promise.resolve(memoizedEmbedder(new LexicalHashEmbedder())),
);
describeEmbedderContract('lexical at 384-d', () => Promise.resolve(new LexicalHashEmbedder(384)));
describeEmbedderContract('Workers AI (through a lexical-backed stand-in binding)', () =>
  Promise.resolve(new WorkersAiEmbedder(workersAi, new LexicalBackedAiBinding())),
);

describe('the Workers AI embedder', () => {
  it('sends only non-blank texts, and gives the stand-in’s vectors back in order', async () => {
    const ai = new LexicalBackedAiBinding();
    const vectors = await new WorkersAiEmbedder(workersAi, ai).embed(['b', ' ', 'a']);
    expect(ai.calls).toEqual([['b', 'a']]);
    const lexical = new LexicalEmbedder({ dim: 384 });
    expect(vectors).toEqual([lexical.embed('b'), new Float32Array(384), lexical.embed('a')]);
  });

  it('turns a failing or malformed answer into a 502 without the binding’s words', async () => {
    const failing: AiBinding = { run: () => Promise.reject(new Error('AiError: secret detail')) };
    const wrongDim: AiBinding = {
      run: (_, { text }) =>
        Promise.resolve({ shape: [text.length, 2], data: text.map(() => [1, 0]) }),
    };
    const asyncAnswer: AiBinding = { run: () => Promise.resolve({ request_id: 'r1' }) };
    for (const ai of [failing, wrongDim, asyncAnswer]) {
      const err = await new WorkersAiEmbedder(workersAi, ai).embed(['x']).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'upstream_error', status: 502 });
      expect(String((err as Error).message)).not.toContain('secret');
    }
  });
});

describe('embedderFor (EMBEDDER)', () => {
  const withVars = (vars: Record<string, unknown>) => ({ ...env, ...vars }) as unknown as Env;

  it('is the lexical embedder when EMBEDDER is unset', () => {
    expect(embedderFor(env as unknown as Env).id).toBe('lexical-hash-v1/256');
    expect(embedderFor(withVars({ EMBEDDER: '{"kind":"lexical","dim":300}' })).id).toBe(
      'lexical-hash-v1/300',
    );
  });

  it('builds the Workers AI embedder on the binding the config names', async () => {
    const e = embedderFor(
      withVars({ EMBEDDER: JSON.stringify(workersAi), AI: new LexicalBackedAiBinding() }),
    );
    expect(e.id).toBe(`workers-ai:${BGE}/384`);
    expect(await e.embed(['hello'])).toHaveLength(1);
  });

  it('builds the OpenAI-compatible embedder with its key and id', () => {
    const config = {
      kind: 'openai',
      baseUrl: 'https://api.example.com/v1/',
      model: 'text-embedding-3-small',
      keyVar: 'EMBED_KEY',
      dim: 1536,
    };
    const e = embedderFor(withVars({ EMBEDDER: JSON.stringify(config), EMBED_KEY: 'sk-x' }));
    expect(e.id).toBe('openai:https://api.example.com/v1#text-embedding-3-small/1536');
    expect(parseEmbedderConfig(JSON.stringify(config))).toMatchObject({ maxBatch: e.maxBatch });
  });

  it('is a 500 that names no detail when EMBEDDER is bad, its key unset or its binding missing', () => {
    const bad = [
      { EMBEDDER: '{"kind":"lexical","dim":9}' },
      {
        EMBEDDER: JSON.stringify({
          kind: 'openai',
          baseUrl: 'https://a.example',
          model: 'm',
          keyVar: 'NOPE',
          dim: 8,
        }),
      },
      { EMBEDDER: JSON.stringify({ ...workersAi, binding: 'NO_AI' }) },
    ];
    for (const vars of bad) {
      expect(() => embedderFor(withVars(vars))).toThrow(/not configured correctly \(EMBEDDER\)/);
    }
  });
});
