/**
 * A small BERT-shaped embedding model with known weights and its tokenizer.json, written to a
 * folder as a Hugging Face export would be, so tests compute the expected vectors themselves.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomHyperplanes, seededRng } from '@proxima/core/lsh';
import { DATA_TYPE, encodeOnnxModel, type ModelSpec } from './onnx-model.testing.ts';

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;
export const WORDS = [
  'the',
  'quick',
  'brown',
  'fox',
  'jumps',
  'over',
  'lazy',
  'dog',
  'hello',
  'world',
  'proxima',
  'edge',
] as const;
/** Token id of each vocabulary entry: specials first, then WORDS. */
export const VOCAB: readonly string[] = [...SPECIAL_TOKENS, ...WORDS];

export interface EmbedFixtureWeights {
  /** VOCAB.length × hidden, row-major: the word embedding table. */
  readonly wordTable: Float32Array;
  /** 2 × hidden: the token type table (row 0 for single sentences). */
  readonly typeTable: Float32Array;
  /** hidden × out, row-major: the projection after the embeddings. */
  readonly projection: Float32Array;
  readonly hidden: number;
  readonly out: number;
}

export function fixtureWeights(seed = 7, hidden = 8, out = 6): EmbedFixtureWeights {
  const rng = seededRng(seed);
  return {
    wordTable: randomHyperplanes(rng, VOCAB.length, hidden),
    typeTable: randomHyperplanes(rng, 2, hidden),
    projection: randomHyperplanes(rng, hidden, out),
    hidden,
    out,
  };
}

const ids = { name: 'input_ids', type: 'int64', shape: ['batch', 'seq'] } as const;
const mask = { name: 'attention_mask', type: 'int64', shape: ['batch', 'seq'] } as const;
const types = { name: 'token_type_ids', type: 'int64', shape: ['batch', 'seq'] } as const;

/**
 * last_hidden_state = (wordTable[input_ids] + typeTable[token_type_ids]) · projection. The mask
 * is an input the graph ignores, as pooling (not the model) must honour it.
 */
export function tokenModel(w: EmbedFixtureWeights): Uint8Array {
  const spec: ModelSpec = {
    inputs: [ids, mask, types],
    outputs: [{ name: 'last_hidden_state', type: 'float', shape: ['batch', 'seq', w.out] }],
    initializers: [
      { name: 'word_table', dims: [VOCAB.length, w.hidden], data: w.wordTable },
      { name: 'type_table', dims: [2, w.hidden], data: w.typeTable },
      { name: 'projection', dims: [w.hidden, w.out], data: w.projection },
    ],
    nodes: [
      { opType: 'Gather', inputs: ['word_table', 'input_ids'], outputs: ['words'] },
      { opType: 'Gather', inputs: ['type_table', 'token_type_ids'], outputs: ['types'] },
      { opType: 'Add', inputs: ['words', 'types'], outputs: ['summed'] },
      { opType: 'MatMul', inputs: ['summed', 'projection'], outputs: ['last_hidden_state'] },
    ],
  };
  return encodeOnnxModel(spec);
}

/**
 * sentence_embedding = mean over the sequence of wordTable[input_ids]: pooled by the model, in
 * float32 or (cast at the end) float16.
 */
export function pooledModel(
  w: EmbedFixtureWeights,
  outputType: 'float' | 'float16' = 'float',
): Uint8Array {
  const half = outputType === 'float16';
  const mean = half ? 'mean' : 'sentence_embedding';
  return encodeOnnxModel({
    inputs: [ids],
    outputs: [{ name: 'sentence_embedding', type: outputType, shape: ['batch', w.hidden] }],
    initializers: [{ name: 'word_table', dims: [VOCAB.length, w.hidden], data: w.wordTable }],
    nodes: [
      { opType: 'Gather', inputs: ['word_table', 'input_ids'], outputs: ['words'] },
      {
        opType: 'ReduceMean',
        inputs: ['words'],
        outputs: [mean],
        attributes: { axes: [1], keepdims: 0 },
      },
      ...(half
        ? [
            {
              opType: 'Cast',
              inputs: [mean],
              outputs: ['sentence_embedding'],
              attributes: { to: DATA_TYPE.float16 },
            },
          ]
        : []),
    ],
  });
}

/** A WordPiece tokenizer.json over VOCAB: lowercases, splits on whitespace, adds [CLS] … [SEP]. */
export function tokenizerJson(): object {
  const special = (token: string) => ({ SpecialToken: { id: token, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'WhitespaceSplit' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]')],
      pair: [
        special('[CLS]'),
        { Sequence: { id: 'A', type_id: 0 } },
        special('[SEP]'),
        { Sequence: { id: 'B', type_id: 1 } },
        special('[SEP]'),
      ],
      special_tokens: Object.fromEntries(
        ['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [VOCAB.indexOf(t)], tokens: [t] }]),
      ),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(VOCAB.map((token, id) => [token, id])),
    },
  };
}

export interface FixtureFiles {
  readonly modelPath: string;
  readonly tokenizerPath: string;
}

/**
 * Writes `model` as dir/onnx/<name>.onnx and tokenizer.json at dir, the layout of Hugging Face
 * ONNX exports; `pooling` adds a sentence-transformers 1_Pooling/config.json.
 */
export async function writeFixture(
  dir: string,
  model: Uint8Array,
  options: { name?: string; pooling?: Record<string, unknown> } = {},
): Promise<FixtureFiles> {
  await mkdir(join(dir, 'onnx'), { recursive: true });
  const modelPath = join(dir, 'onnx', `${options.name ?? 'tiny-embed'}.onnx`);
  const tokenizerPath = join(dir, 'tokenizer.json');
  await writeFile(modelPath, model);
  await writeFile(tokenizerPath, JSON.stringify(tokenizerJson()));
  if (options.pooling !== undefined) {
    await mkdir(join(dir, '1_Pooling'), { recursive: true });
    await writeFile(join(dir, '1_Pooling', 'config.json'), JSON.stringify(options.pooling));
  }
  return { modelPath, tokenizerPath };
}
