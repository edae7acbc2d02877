// Embeddings per second through the ONNX engine (tokenizer, feeds, session, pooling) on a model
// generated here (a 16-word vocabulary, hidden 384: no real model installs offline), and the same
// batches as raw session runs on pre-built feeds: the reference for the engine's own cost.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { seededRng } from '@proxima/core/lsh';
import {
  fixtureWeights,
  tokenModel,
  VOCAB,
  WORDS,
  writeFixture,
} from '../../local-node/src/engine/onnx/embed-fixture.testing.ts';
import { createOnnxEmbedEngine } from '../../local-node/src/engine/onnx/onnx-embed-engine.ts';

export interface OnnxEmbedFigures {
  readonly embedPerS: number;
  readonly rawSessionPerS: number;
  readonly batch: number;
  readonly provider: string;
}

const BATCH = 32;
const HIDDEN = 384;

function sentences(n: number, seed: number): string[] {
  const rng = seededRng(seed);
  return Array.from({ length: n }, () =>
    Array.from({ length: 8 + Math.floor(rng.next() * 24) }, () => {
      return WORDS[Math.floor(rng.next() * WORDS.length)]!;
    }).join(' '),
  );
}

/** Feeds as the engine would build them: [CLS] words [SEP], padded to the longest. */
function feedsOf(texts: readonly string[]): Record<string, Tensor> {
  const rows = texts.map((t) => [
    VOCAB.indexOf('[CLS]'),
    ...t.split(' ').map((w) => VOCAB.indexOf(w)),
    VOCAB.indexOf('[SEP]'),
  ]);
  const width = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * width);
  const mask = new BigInt64Array(rows.length * width);
  rows.forEach((row, i) =>
    row.forEach((id, j) => {
      ids[i * width + j] = BigInt(id);
      mask[i * width + j] = 1n;
    }),
  );
  const shape = [rows.length, width];
  return {
    input_ids: new Tensor('int64', ids, shape),
    attention_mask: new Tensor('int64', mask, shape),
    token_type_ids: new Tensor('int64', new BigInt64Array(rows.length * width), shape),
  };
}

/** Runs `once` repeatedly for about `ms` and returns items per second. */
async function rate(items: number, ms: number, once: () => Promise<unknown>): Promise<number> {
  await once(); // warm
  let done = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    await once();
    done += items;
  }
  return done / ((performance.now() - started) / 1000);
}

export async function onnxEmbedFigures(ms: number): Promise<OnnxEmbedFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'proxima-bench-onnx-'));
  try {
    const files = await writeFixture(dir, tokenModel(fixtureWeights(7, HIDDEN, HIDDEN)), {
      name: 'bench-embed',
    });
    const texts = sentences(BATCH, 3);
    const engine = await createOnnxEmbedEngine({ modelPath: files.modelPath, ep: 'cpu' });
    const session = await InferenceSession.create(files.modelPath, {
      executionProviders: ['cpu'],
    });
    try {
      const signal = new AbortController().signal;
      const model = engine.models[0]!.id;
      const feeds = feedsOf(texts);
      // Interleaved halves, so both see the same machine load.
      let embed = 0;
      let raw = 0;
      for (let i = 0; i < 2; i++) {
        embed += await rate(BATCH, ms / 4, () => engine.embed({ model, inputs: texts }, signal));
        raw += await rate(BATCH, ms / 4, () => session.run(feeds));
      }
      return {
        embedPerS: embed / 2,
        rawSessionPerS: raw / 2,
        batch: BATCH,
        provider: (await engine.info()).gpu,
      };
    } finally {
      await engine.close();
      await session.release();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
