/**
 * Loading for the llama engine: the backend (prebuilt binaries only), the model and the draft
 * model, and their contexts with as many sequences as `slots` asks or, under 'auto', as fit.
 * Never builds or downloads anything.
 */
import { getLlama } from 'node-llama-cpp';
import type { Llama, LlamaContext, LlamaGpuType, LlamaModel } from 'node-llama-cpp';
import {
  estimateSlotCost,
  onGpu,
  readPool,
  slotCap,
  slotsThatFit,
  type MemoryPool,
  type SlotCost,
} from './llama-capacity.ts';
import type { LlamaGpuOption, ValidatedLlamaOptions } from './llama-options.ts';
import { vocabularyMismatch, vocabularyOf } from './llama-vocabulary.ts';

const DEFAULT_MAX_CONTEXT = 4096;
/** Below this size, thread synchronisation costs more than it saves (measured: 1 thread ~100x faster on a busy 2-core box). */
const TINY_MODEL_BYTES = 64 * 1024 * 1024;

/** Threads per evaluation the engine uses for a model of this size (undefined: node-llama-cpp's choice). */
export function defaultThreads(modelBytes: number): number | undefined {
  return modelBytes < TINY_MODEL_BYTES ? 1 : undefined;
}

/** Under slots 'auto': what the count follows (llama-capacity.ts). */
export interface AutoCapacity {
  readonly gpu: boolean;
  readonly cost: SlotCost;
  readonly cap: number;
  /** Sequences the contexts were created with: the most that can ever run at once. */
  readonly allocated: number;
  /** Bytes of the pool the contexts hold (the larger of the estimate and the measured drop). */
  readonly ownBytes: number;
}

export interface LoadedLlama {
  readonly llama: Llama;
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  /** The draft model's context, one sequence per slot, when speculating with a draft model. */
  readonly draftContext: LlamaContext | undefined;
  /** Sequences each context has. */
  readonly sequences: number;
  readonly auto: AutoCapacity | undefined;
}

async function loadBackend(gpu: LlamaGpuOption): Promise<Llama> {
  const wanted: 'auto' | LlamaGpuType = gpu === 'off' ? false : gpu;
  let llama: Llama;
  try {
    llama = await getLlama({
      gpu: wanted,
      build: 'never', // never compile from source
      skipDownload: true, // never fetch llama.cpp sources
      usePrebuiltBinaries: true,
      progressLogs: false,
    });
  } catch (err) {
    throw new Error(
      `llama engine: no usable prebuilt node-llama-cpp binary for gpu '${gpu}' on ` +
        `${process.platform}-${process.arch} (nothing is built or downloaded). ` +
        `Install the matching @node-llama-cpp/* package and GPU runtime, or use gpu 'auto' or 'off'. ` +
        `Cause: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  // node-llama-cpp silently falls back to the CPU for an unsupported explicit GPU (e.g. metal on Linux).
  if (gpu !== 'auto' && gpu !== 'off' && llama.gpu !== gpu) {
    await llama.dispose();
    throw new Error(
      `llama engine: gpu '${gpu}' was requested but node-llama-cpp loaded '${String(llama.gpu)}' ` +
        `on ${process.platform}-${process.arch}; use gpu 'auto' or 'off'`,
    );
  }
  return llama;
}

async function loadModel(llama: Llama, what: string, modelPath: string): Promise<LlamaModel> {
  try {
    return await llama.loadModel({ modelPath });
  } catch (err) {
    throw new Error(`llama engine: failed to load ${what} ${modelPath}: ${String(err)}`, {
      cause: err,
    });
  }
}

/** Loads everything `opts` names; on failure releases what was loaded and throws. */
export async function loadLlama(opts: ValidatedLlamaOptions): Promise<LoadedLlama> {
  const llama = await loadBackend(opts.gpu);
  try {
    const model = await loadModel(llama, 'model', opts.modelPath);
    const draft =
      opts.draftModelPath === undefined
        ? undefined
        : await loadModel(llama, 'draft model', opts.draftModelPath);
    if (draft !== undefined) {
      const mismatch = vocabularyMismatch(vocabularyOf(model), vocabularyOf(draft));
      if (mismatch !== undefined)
        throw new Error(
          `llama engine: the draft model ${opts.draftModelPath} cannot draft for ${opts.modelPath}: ` +
            `their vocabularies differ: ${mismatch}`,
        );
    }
    const contextSize = opts.contextSize ?? Math.min(model.trainContextSize, DEFAULT_MAX_CONTEXT);
    const models = draft === undefined ? [model] : [model, draft];
    const gpu = onGpu(llama, model);
    let sequences: number;
    let fitting: { before: MemoryPool; cost: SlotCost; cap: number } | undefined;
    if (opts.slots === 'auto') {
      fitting = {
        before: await readPool(llama, gpu),
        cost: await estimateSlotCost(models, contextSize, gpu),
        cap: slotCap(gpu),
      };
      sequences = slotsThatFit(fitting.before, fitting.cost, fitting.cap);
    } else sequences = opts.slots;
    const chosen = opts.threads ?? defaultThreads(opts.modelBytes);
    const threads = chosen === undefined ? {} : { threads: chosen };
    const create = async (what: string, m: LlamaModel): Promise<LlamaContext> => {
      try {
        return await m.createContext({ contextSize, sequences, ...threads });
      } catch (err) {
        throw new Error(`llama engine: failed to create ${what}: ${String(err)}`, { cause: err });
      }
    };
    const context = await create('a context', model);
    const draftContext = draft && (await create("the draft model's context", draft));
    let auto: AutoCapacity | undefined;
    if (fitting !== undefined) {
      const { before, cost, cap } = fitting;
      const after = await readPool(llama, gpu);
      const estimated = cost.baseBytes + (sequences - 1) * cost.perSlotBytes;
      const ownBytes = Math.max(estimated, before.freeBytes - after.freeBytes);
      auto = { gpu, cost, cap, allocated: sequences, ownBytes };
    }
    return { llama, model, context, draftContext, sequences, auto };
  } catch (err) {
    await llama.dispose(); // also disposes models and contexts
    throw err;
  }
}
