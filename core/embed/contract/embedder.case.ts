import { beforeAll, describe, expect, it } from 'vitest';
import { ProximaError } from '../../protocol/errors.ts';
import { embedAll } from '../batch.ts';
import type { Embedder } from '../embedder.ts';

/**
 * What every Embedder promises, as one vitest suite that each implementation runs (the lexical
 * and Workers AI ones in edge/test/embeddings-contract.test.ts, the OpenAI-compatible one against
 * a real HTTP server in tests/embeddings-openai.test.ts). RAG and the cache rely on exactly this.
 */
export function describeEmbedderContract(
  name: string,
  makeEmbedder: () => Promise<Embedder>,
): void {
  describe(`the Embedder contract: ${name}`, () => {
    let e: Embedder;
    beforeAll(async () => {
      e = await makeEmbedder();
    });

    it('declares its shape, and its id names its dimension', () => {
      expect(Number.isInteger(e.dim) && e.dim > 0).toBe(true);
      expect(Number.isInteger(e.maxBatch) && e.maxBatch > 0).toBe(true);
      expect(Number.isInteger(e.maxInputChars) && e.maxInputChars > 0).toBe(true);
      expect(e.id.endsWith(`/${e.dim}`)).toBe(true);
    });

    it('answers an empty batch with no vectors', async () => {
      expect(await e.embed([])).toEqual([]);
    });

    it('gives one unit vector of `dim` per text, and the zero vector for blank text', async () => {
      const vectors = await e.embed(['', 'how do I reset the router', '  \n\t', 'ok']);
      expect(vectors.map((v) => v.length)).toEqual([e.dim, e.dim, e.dim, e.dim]);
      expect(vectors.map((v) => Number(norm(v).toFixed(4)))).toEqual([0, 1, 0, 1]);
    });

    it('is deterministic across calls and across batches', async () => {
      const first = await e.embed(TEXTS);
      expect(await e.embed(TEXTS)).toEqual(first);
      for (const [i, text] of TEXTS.entries()) expect(await e.embed([text])).toEqual([first[i]]);
    });

    it('keeps the batch order', async () => {
      const forward = await e.embed(TEXTS);
      expect(await e.embed([...TEXTS].reverse())).toEqual([...forward].reverse());
    });

    it('scores related texts higher than unrelated ones', async () => {
      for (const [anchor, related, unrelated] of TRIPLES) {
        const [a, r, u] = await e.embed([anchor, related, unrelated]);
        expect(cosine(a!, r!)).toBeGreaterThan(cosine(a!, u!) + 0.1);
      }
    });

    it('refuses a batch over maxBatch clearly; embedAll splits it', async () => {
      const texts = Array.from({ length: e.maxBatch + 1 }, (_, i) => `document number ${i}`);
      await expect(e.embed(texts)).rejects.toThrow(/at most \d+ inputs per call.*embedAll/);
      const all = await embedAll(e, texts);
      expect(all).toHaveLength(texts.length);
      for (const i of [0, e.maxBatch - 1, e.maxBatch]) {
        expect([all[i]]).toEqual(await e.embed([texts[i]!]));
      }
    });

    it('refuses an input over maxInputChars, naming it, rather than cutting it', async () => {
      const long = 'word '.repeat(Math.ceil((e.maxInputChars + 1) / 5));
      const refused = await e.embed(['fine', long]).then(
        () => null,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(ProximaError);
      expect(refused).toMatchObject({ code: 'invalid_request', param: 'input[1]' });
      // embedAll names the place in the whole list, whatever batch it would have gone in.
      const texts = [...Array.from({ length: e.maxBatch }, () => 'fine'), long];
      await expect(embedAll(e, texts, { param: 'chunks' })).rejects.toMatchObject({
        param: `chunks[${e.maxBatch}]`,
      });
    });

    it('stops at once when the caller has already given up', async () => {
      await expect(e.embed(['hello'], { signal: AbortSignal.abort() })).rejects.toThrow();
    });
  });
}

const TEXTS = [
  'How do I reset the WiFi router?',
  'list directory contents sorted by modification time',
  'configure the kubernetes ingress controller',
  'quarterly revenue grew in europe',
  'ça va très bien, merci',
];

/** Each anchor shares words with its related text and none with its unrelated one. */
const TRIPLES: ReadonlyArray<readonly [string, string, string]> = [
  [
    'how do I reset the wifi router',
    'resetting my wifi router',
    'quarterly revenue grew in europe',
  ],
  [
    'configure the kubernetes ingress controller',
    'kubernetes ingress configuration examples',
    'baking sourdough bread at home',
  ],
  [
    'sort files by size in a directory',
    'sort a directory listing by file size',
    'the cat sat on the mat',
  ],
];

function norm(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot / (norm(a) * norm(b));
}
