import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMBED_LIMITS } from '@proxima/core/embed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidRequestError, type Engine } from '../engine.ts';
import {
  fixtureWeights,
  pooledModel,
  tokenModel,
  VOCAB,
  writeFixture,
  type EmbedFixtureWeights,
  type FixtureFiles,
} from './embed-fixture.testing.ts';
import {
  createOnnxEmbedEngine,
  onnxModelId,
  type OnnxEmbedEngine,
  type OnnxEmbedOptions,
} from './onnx-embed-engine.ts';
import { encodeOnnxModel } from './onnx-model.testing.ts';

// The expected vectors are computed here from the weights, independently of the engine: the
// tokenizer's rules by hand, the graph's arithmetic in double precision.

const UNK = VOCAB.indexOf('[UNK]');
const CLS = VOCAB.indexOf('[CLS]');
const SEP = VOCAB.indexOf('[SEP]');

function tokenIds(text: string, maxTokens = 512): number[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  const ids = words.map((w) => (VOCAB.includes(w) ? VOCAB.indexOf(w) : UNK));
  return [CLS, ...ids.slice(0, maxTokens - 2), SEP];
}

/** Row `id` of the token model's output: (wordTable[id] + typeTable[0]) · projection. */
function tokenRow(w: EmbedFixtureWeights, id: number): number[] {
  const row: number[] = [];
  for (let o = 0; o < w.out; o++) {
    let sum = 0;
    for (let h = 0; h < w.hidden; h++)
      sum += (w.wordTable[id * w.hidden + h]! + w.typeTable[h]!) * w.projection[h * w.out + o]!;
    row.push(sum);
  }
  return row;
}

function unit(v: readonly number[]): number[] {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function meanRows(rows: readonly (readonly number[])[]): number[] {
  return rows[0]!.map((_, d) => rows.reduce((s, r) => s + r[d]!, 0) / rows.length);
}

function expectedMean(w: EmbedFixtureWeights, text: string, dims = w.out, maxTokens = 512) {
  return unit(meanRows(tokenIds(text, maxTokens).map((id) => tokenRow(w, id))).slice(0, dims));
}

function expectClose(actual: Float32Array | undefined, expected: readonly number[], tol = 1e-6) {
  expect(actual).toBeDefined();
  expect(actual!.length).toBe(expected.length);
  expected.forEach((x, i) => expect(Math.abs(actual![i]! - x)).toBeLessThanOrEqual(tol));
}

const signal = () => new AbortController().signal;
const weights = fixtureWeights();
let root: string;
let files: FixtureFiles;
let engine: OnnxEmbedEngine;
const opened: Engine[] = [];

async function open(over: Partial<OnnxEmbedOptions> = {}) {
  const e = await createOnnxEmbedEngine({ modelPath: files.modelPath, ep: 'cpu', ...over });
  opened.push(e);
  return e;
}

async function invalid(promise: Promise<unknown>): Promise<InvalidRequestError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidRequestError);
  return err as InvalidRequestError;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'proxima-onnx-embed-'));
  files = await writeFixture(join(root, 'tiny'), tokenModel(weights));
  engine = await open();
});

afterAll(async () => {
  await Promise.all(opened.map((e) => e.close()));
  await rm(root, { recursive: true, force: true });
});

describe('ONNX embedding engine', () => {
  it('lists one embed model named after the file, on the cpu provider', async () => {
    expect(engine.models).toEqual([
      expect.objectContaining({
        id: 'tiny-embed',
        kind: 'embed',
        capabilities: ['embeddings'],
        contextSize: 512,
      }),
    ]);
    expect(engine.models[0]!.description).toMatch(/6 dimensions, mean pooling.*on cpu/);
    expect(engine.dim).toBe(weights.out);
    expect(await engine.info()).toEqual({
      engine: 'onnx',
      gpu: 'cpu',
      vramTotalBytes: 0,
      vramFreeBytes: 0,
    });
    expect(onnxModelId('/models/BGE Small.ONNX')).toBe('bge-small');
  });

  it('embeds one text as the mean of its token vectors, unit length', async () => {
    const text = 'The quick brown fox';
    const { vectors, promptTokens } = await engine.embed(
      { model: 'tiny-embed', inputs: [text] },
      signal(),
    );
    expectClose(vectors[0], expectedMean(weights, text));
    expect(promptTokens).toBe(6);
  });

  it('pads a batch and honours the mask: each vector is the one its text gets alone', async () => {
    const inputs = ['hello', 'the lazy dog jumps over the fox', 'proxima edge zebra', 'world'];
    const batch = await engine.embed({ model: 'tiny-embed', inputs }, signal());
    expect(batch.vectors).toHaveLength(inputs.length);
    inputs.forEach((text, i) => expectClose(batch.vectors[i], expectedMean(weights, text)));
    const alone = await engine.embed({ model: 'tiny-embed', inputs: ['hello'] }, signal());
    expectClose(batch.vectors[0], [...alone.vectors[0]!]);
    expect(batch.promptTokens).toBe(inputs.reduce((s, t) => s + tokenIds(t).length, 0));
  });

  it('keeps input order across several graph runs (batchSize)', async () => {
    const small = await open({ batchSize: 2 });
    const inputs = ['dog', 'the quick brown fox jumps', 'hello world', 'edge', 'over the lazy dog'];
    const { vectors } = await small.embed({ model: 'tiny-embed', inputs }, signal());
    inputs.forEach((text, i) => expectClose(vectors[i], expectedMean(weights, text)));
  });

  it('truncates inputs longer than maxTokens, keeping [CLS] and [SEP]', async () => {
    const short = await open({ maxTokens: 5 });
    expect(short.models[0]!.contextSize).toBe(5);
    const text = 'the quick brown fox jumps over the lazy dog';
    const { vectors, promptTokens } = await short.embed(
      { model: 'tiny-embed', inputs: [text, 'hello'] },
      signal(),
    );
    expectClose(vectors[0], expectedMean(weights, 'the quick brown'));
    expectClose(vectors[1], expectedMean(weights, 'hello'));
    expect(promptTokens).toBe(5 + 3);
  });

  it('shortens to `dimensions` and renormalises; refuses more than the model makes', async () => {
    const text = 'hello proxima';
    const { vectors } = await engine.embed(
      { model: 'tiny-embed', inputs: [text], dimensions: 4 },
      signal(),
    );
    expectClose(vectors[0], expectedMean(weights, text, 4));
    for (const dimensions of [weights.out + 1, 0, 2.5]) {
      const err = await invalid(
        engine.embed({ model: 'tiny-embed', inputs: [text], dimensions }, signal()),
      );
      expect(err.param).toBe('dimensions');
    }
  });

  it('refuses bad requests with the field named', async () => {
    expect((await invalid(engine.embed({ model: 'tiny-embed', inputs: [] }, signal()))).param).toBe(
      'input',
    );
    const tooMany = Array.from({ length: EMBED_LIMITS.inputsPerRequest + 1 }, () => 'dog');
    expect(
      (await invalid(engine.embed({ model: 'tiny-embed', inputs: tooMany }, signal()))).param,
    ).toBe('input');
    const long = 'dog '.repeat(EMBED_LIMITS.inputChars / 4 + 1);
    expect(
      (await invalid(engine.embed({ model: 'tiny-embed', inputs: ['dog', long] }, signal()))).param,
    ).toBe('input[1]');
    expect((await invalid(engine.embed({ model: 'other', inputs: ['dog'] }, signal()))).param).toBe(
      'model',
    );
    const events = engine.generate(
      { model: 'tiny-embed', messages: [], maxTokens: 1, temperature: 0, topP: 1, stop: [] },
      signal(),
    );
    const refusal = await invalid(events[Symbol.asyncIterator]().next());
    expect(refusal.param).toBe('model');
    expect(refusal.message).toMatch(/makes embeddings/);
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(
      engine.embed({ model: 'tiny-embed', inputs: ['dog'] }, controller.signal),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('returns raw pooled vectors when normalize is false', async () => {
    const raw = await open({ normalize: false });
    const text = 'lazy dog';
    const { vectors } = await raw.embed({ model: 'tiny-embed', inputs: [text] }, signal());
    expectClose(vectors[0], meanRows(tokenIds(text).map((id) => tokenRow(weights, id))), 1e-5);
  });

  it('pools by CLS when asked, or when 1_Pooling/config.json says so', async () => {
    const expectedCls = unit(tokenRow(weights, CLS));
    const byOption = await open({ pooling: 'cls' });
    const a = await byOption.embed({ model: 'tiny-embed', inputs: ['hello world'] }, signal());
    expectClose(a.vectors[0], expectedCls);

    const st = await writeFixture(join(root, 'st-cls'), tokenModel(weights), {
      pooling: { word_embedding_dimension: weights.out, pooling_mode_cls_token: true },
    });
    const byConfig = await open({ modelPath: st.modelPath });
    expect(byConfig.models[0]!.description).toMatch(/cls pooling/);
    const b = await byConfig.embed({ model: 'tiny-embed', inputs: ['edge dog'] }, signal());
    expectClose(b.vectors[0], expectedCls);

    const max = await writeFixture(join(root, 'st-max'), tokenModel(weights), {
      pooling: { pooling_mode_max_tokens: true },
    });
    await expect(open({ modelPath: max.modelPath })).rejects.toThrow(/pooling_mode_max_tokens/);
  });

  it('takes sentence_embedding as it is from a model that pools itself', async () => {
    const pooled = await writeFixture(join(root, 'pooled'), pooledModel(weights), {
      name: 'pooled',
    });
    const e = await open({ modelPath: pooled.modelPath });
    expect(e.models[0]!.id).toBe('pooled');
    expect(e.models[0]!.description).toMatch(/8 dimensions, pooled by the model/);
    const text = 'quick fox';
    const { vectors } = await e.embed({ model: 'pooled', inputs: [text] }, signal());
    const rows = tokenIds(text).map((id) => [
      ...weights.wordTable.subarray(id * weights.hidden, (id + 1) * weights.hidden),
    ]);
    expectClose(vectors[0], unit(meanRows(rows)));
  });

  it('reads a float16 output', async () => {
    const f = await writeFixture(join(root, 'half'), pooledModel(weights, 'float16'), {
      name: 'half',
    });
    const e = await open({ modelPath: f.modelPath });
    const { vectors } = await e.embed({ model: 'half', inputs: ['brown dog'] }, signal());
    const rows = tokenIds('brown dog').map((id) => [
      ...weights.wordTable.subarray(id * weights.hidden, (id + 1) * weights.hidden),
    ]);
    expectClose(vectors[0], unit(meanRows(rows)), 2e-3);
  });

  it('fails at startup on missing files and inputs it cannot feed', async () => {
    await expect(open({ modelPath: join(root, 'absent.onnx') })).rejects.toThrow(
      /ONNX embedding model not found/,
    );
    const bare = join(root, 'bare');
    const lone = await writeFixture(bare, tokenModel(weights));
    await rm(lone.tokenizerPath);
    await expect(open({ modelPath: lone.modelPath })).rejects.toThrow(/no tokenizer\.json/);
    await expect(
      open({ modelPath: lone.modelPath, tokenizerPath: join(bare, 'nope.json') }),
    ).rejects.toThrow(/tokenizer not found/);

    const withPositions = encodeOnnxModel({
      inputs: [
        { name: 'input_ids', type: 'int64', shape: ['batch', 'seq'] },
        { name: 'position_ids', type: 'int64', shape: ['batch', 'seq'] },
      ],
      outputs: [{ name: 'out', type: 'int64', shape: ['batch', 'seq'] }],
      initializers: [],
      nodes: [{ opType: 'Add', inputs: ['input_ids', 'position_ids'], outputs: ['out'] }],
    });
    const odd = await writeFixture(join(root, 'odd'), withPositions);
    await expect(open({ modelPath: odd.modelPath })).rejects.toThrow(/position_ids/);
  });

  it('fails at startup when a named provider is missing, saying how to install it', async () => {
    await expect(open({ ep: 'openvino' })).rejects.toThrow(/no 'openvino' execution provider/);
  });
});
