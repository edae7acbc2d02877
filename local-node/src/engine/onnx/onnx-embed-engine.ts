/**
 * An embedding model in ONNX format on onnxruntime-node: tokenizer.json through
 * @huggingface/tokenizers, the graph on the chosen execution provider, pooling and L2
 * normalisation here. One model, kind 'embed'; it does not generate text.
 */
import { basename } from 'node:path';
import { checkEmbeddings, EMBED_LIMITS } from '@proxima/core/embed';
import { MODEL_ID_PATTERN, MODEL_ID_RULE } from '@proxima/core/protocol';
import type { InferenceSession } from 'onnxruntime-node';
import { silentLogger, type Logger } from '../../agent/log.ts';
import { throwIfAborted } from '../abort.ts';
import {
  InvalidRequestError,
  type EmbedRequest,
  type EmbedResult,
  type Engine,
  type EngineInfo,
  type EngineModel,
  type GenerateEvent,
  type GenerateRequest,
} from '../engine.ts';
import { modelIdFromPath } from '../model-label.ts';
import { graphInputsOf, padBatch, type GraphInputs } from './embed-feeds.ts';
import { loadEmbedFiles } from './embed-files.ts';
import { chooseOutput, vectorsOf, type OutputVectors } from './embed-output.ts';
import { EmbedTokenizer, maxTokensOf, type TokenizedText } from './embed-tokenizer.ts';
import { createSession, type EpChoice, type ExecutionProvider } from './execution-providers.ts';
import { poolingFromConfig, type Pooling } from './pooling.ts';

export interface OnnxEmbedOptions {
  readonly modelPath: string;
  /** Default: tokenizer.json beside the model, or in its parent folder. */
  readonly tokenizerPath?: string;
  /** Default: from the file name ("bge-small.onnx" -> "bge-small"). */
  readonly id?: string;
  readonly ep: EpChoice;
  /** Default: sentence-transformers' 1_Pooling/config.json when present, else mean. */
  readonly pooling?: Pooling;
  /** Scale vectors to unit length; default true. */
  readonly normalize?: boolean;
  /** Longer inputs are truncated. Default: from the model's configs, else 512. */
  readonly maxTokens?: number;
  /** Texts per graph run; larger requests run in several. Default 32. */
  readonly batchSize?: number;
  readonly log?: Logger;
}

const DEFAULT_BATCH_SIZE = 32;

/** The model id from its file name, without the .onnx extension. */
export function onnxModelId(modelPath: string): string {
  return modelIdFromPath(basename(modelPath).replace(/\.onnx$/i, ''));
}

interface Loaded {
  readonly id: string;
  readonly session: InferenceSession;
  readonly provider: ExecutionProvider;
  readonly tokenizer: EmbedTokenizer;
  readonly inputs: GraphInputs;
  readonly output: string;
  readonly pooling: Pooling;
  readonly normalize: boolean;
  readonly batchSize: number;
  readonly log: Logger;
}

/** An Engine whose `embed` is always there, with the width of the vectors it makes. */
export interface OnnxEmbedEngine extends Engine {
  readonly dim: number;
  embed(req: EmbedRequest, signal: AbortSignal): Promise<EmbedResult>;
}

class LoadedOnnxEmbedEngine implements OnnxEmbedEngine {
  readonly models: readonly EngineModel[];
  readonly dim: number;
  readonly #m: Loaded;

  constructor(loaded: Loaded, dim: number, pooledByModel: boolean) {
    this.#m = loaded;
    this.dim = dim;
    const pooling = pooledByModel ? 'pooled by the model' : `${loaded.pooling} pooling`;
    this.models = [
      {
        id: loaded.id,
        kind: 'embed',
        capabilities: ['embeddings'],
        contextSize: loaded.tokenizer.maxTokens,
        description: `ONNX embeddings: ${dim} dimensions, ${pooling}, inputs truncated to ${loaded.tokenizer.maxTokens} tokens, on ${loaded.provider}`,
      },
    ];
  }

  info(): Promise<EngineInfo> {
    return Promise.resolve({
      engine: 'onnx',
      gpu: this.#m.provider,
      vramTotalBytes: 0,
      vramFreeBytes: 0,
    });
  }

  /** Refuses on the first read, as callers take the refusal where they read events. */
  generate(req: GenerateRequest): AsyncIterable<GenerateEvent> {
    const refusal = new InvalidRequestError(
      `model '${req.model}' makes embeddings; it does not generate text`,
      'model',
    );
    return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(refusal) }) };
  }

  async embed(req: EmbedRequest, signal: AbortSignal): Promise<EmbedResult> {
    throwIfAborted(signal);
    this.#check(req);
    const texts = req.inputs.map((text) => this.#m.tokenizer.encode(text));
    const truncated = texts.filter((t) => t.truncated).length;
    if (truncated > 0)
      this.#m.log('debug', 'onnx_embed_truncated', {
        model: this.#m.id,
        inputs: truncated,
        maxTokens: this.#m.tokenizer.maxTokens,
      });
    const vectors = await this.#run(texts, signal);
    const dimensions = req.dimensions ?? this.dim;
    const cut = vectors.map((v) => v.slice(0, dimensions));
    return {
      vectors: this.#m.normalize ? checkEmbeddings(cut, cut.length, dimensions, this.#m.id) : cut,
      promptTokens: texts.reduce((sum, t) => sum + t.ids.length, 0),
    };
  }

  async close(): Promise<void> {
    await this.#m.session.release();
  }

  #check(req: EmbedRequest): void {
    if (req.model !== this.#m.id)
      throw new InvalidRequestError(`this engine does not serve model '${req.model}'`, 'model');
    const count = req.inputs.length;
    if (count === 0) throw new InvalidRequestError("'input' must not be empty", 'input');
    if (count > EMBED_LIMITS.inputsPerRequest)
      throw new InvalidRequestError(
        `'input' holds ${count} inputs, over ${EMBED_LIMITS.inputsPerRequest} per request`,
        'input',
      );
    req.inputs.forEach((text, i) => {
      if (text.length > EMBED_LIMITS.inputChars)
        throw new InvalidRequestError(
          `'input[${i}]' has ${text.length} characters, over ${EMBED_LIMITS.inputChars}`,
          `input[${i}]`,
        );
    });
    const d = req.dimensions;
    if (d !== undefined && (!Number.isInteger(d) || d < 1 || d > this.dim))
      throw new InvalidRequestError(
        `'dimensions' must be an integer from 1 to ${this.dim} (model '${this.#m.id}' makes ${this.dim}), got ${d}`,
        'dimensions',
      );
  }

  /** Similar lengths share a batch, so little of each run is padding; answers keep input order. */
  async #run(texts: readonly TokenizedText[], signal: AbortSignal): Promise<Float32Array[]> {
    const order = texts
      .map((_, i) => i)
      .sort((a, b) => texts[a]!.ids.length - texts[b]!.ids.length);
    const out = new Array<Float32Array>(texts.length);
    for (let start = 0; start < order.length; start += this.#m.batchSize) {
      throwIfAborted(signal);
      const indices = order.slice(start, start + this.#m.batchSize);
      const batch = await runBatch(
        this.#m,
        indices.map((i) => texts[i]!),
      );
      indices.forEach((textIndex, j) => (out[textIndex] = batch.vectors[j]!));
    }
    throwIfAborted(signal);
    return out;
  }
}

async function runBatch(m: Loaded, texts: readonly TokenizedText[]): Promise<OutputVectors> {
  const batch = padBatch(texts, m.inputs, m.tokenizer.padId);
  const result = await m.session.run(batch.feeds, [m.output]);
  const tensor = result[m.output];
  if (tensor === undefined) throw new Error(`${m.id}: the run returned no '${m.output}'`);
  return vectorsOf(
    tensor,
    batch.mask,
    texts.length,
    batch.seq,
    m.pooling,
    `${m.id} output '${m.output}'`,
  );
}

function checkOptions(options: OnnxEmbedOptions, id: string): void {
  if (!MODEL_ID_PATTERN.test(id)) throw new Error(`ONNX model id '${id}' must be ${MODEL_ID_RULE}`);
  const size = options.batchSize;
  if (size !== undefined && (!Number.isInteger(size) || size < 1))
    throw new Error(`batchSize must be a positive integer, got ${size}`);
}

/**
 * Loads the model, tokenizer and pooling config, opens a session on `ep`, and runs one probe
 * input to learn the vector width. Missing files, inputs the graph cannot take and a missing named
 * provider are startup errors.
 */
export async function createOnnxEmbedEngine(options: OnnxEmbedOptions): Promise<OnnxEmbedEngine> {
  const id = options.id ?? onnxModelId(options.modelPath);
  checkOptions(options, id);
  const log = options.log ?? silentLogger;
  const files = await loadEmbedFiles(options.modelPath, options.tokenizerPath);
  const tokenizer = new EmbedTokenizer(files, options.maxTokens ?? maxTokensOf(files));
  const pooling =
    options.pooling ?? (files.pooling === undefined ? 'mean' : poolingFromConfig(files.pooling));
  const { session, provider } = await createSession(options.modelPath, options.ep, { log });
  try {
    const what = `ONNX model ${options.modelPath}`;
    const loaded: Loaded = {
      id,
      session,
      provider,
      tokenizer,
      inputs: graphInputsOf(session, what),
      output: chooseOutput(session.outputNames, what),
      pooling,
      normalize: options.normalize ?? true,
      batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
      log,
    };
    const probe = await runBatch(loaded, [tokenizer.encode('dimension probe')]);
    const dim = probe.vectors[0]?.length ?? 0;
    if (dim < 1 || dim > EMBED_LIMITS.maxDim)
      throw new Error(
        `${what} makes ${dim}-dimensional vectors; expected 1 to ${EMBED_LIMITS.maxDim}`,
      );
    log('info', 'onnx_embed_loaded', {
      model: id,
      provider,
      dim,
      pooling,
      maxTokens: tokenizer.maxTokens,
    });
    return new LoadedOnnxEmbedEngine(loaded, dim, probe.pooledByModel);
  } catch (err) {
    await session.release();
    throw err;
  }
}
