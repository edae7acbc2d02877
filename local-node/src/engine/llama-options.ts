/** Validation of createLlamaEngine's options, with errors an operator can act on. */
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';

export const LLAMA_GPU_OPTIONS = ['auto', 'cuda', 'vulkan', 'metal', 'off'] as const;
export type LlamaGpuOption = (typeof LLAMA_GPU_OPTIONS)[number];

export interface LlamaEngineOptions {
  /** A GGUF file, e.g. the demo model from writeDemoModel or a real model. */
  readonly modelPath: string;
  /** 'auto' picks the best GPU with a working prebuilt binary, else the CPU. */
  readonly gpu: LlamaGpuOption;
  /** Tokens per slot; defaults to min(model's training context, 4096). */
  readonly contextSize?: number;
  /**
   * Concurrent generations (context sequences); defaults to 1. 'auto': as many as fit in free
   * VRAM (on the CPU: free RAM, at most min(cores, 8)), then following free memory as it changes
   * (llama-capacity.ts).
   */
  readonly slots?: number | 'auto';
  /** CPU threads per evaluation; defaults to 1 for tiny models, else node-llama-cpp's choice. */
  readonly threads?: number;
  /**
   * The model reasons in <think> sections (split out as reasoning_content, 'reasoning'
   * announced). Defaults to whether its chat template mentions <think>.
   */
  readonly reasoning?: boolean;
  /** Makes tool call ids; defaults to "call_" and 24 random hex digits (node:crypto). */
  readonly newCallId?: () => string;
  /**
   * Speculative decoding with this smaller GGUF as the draft model (same vocabulary, checked at
   * startup). Not with `promptLookup`.
   */
  readonly draftModelPath?: string;
  /**
   * The draft model drafts while its next token is at least this likely, in [0, 1) (0: always,
   * up to 16 tokens). Defaults to node-llama-cpp's 0.6.
   */
  readonly draftMinConfidence?: number;
  /** Speculative decoding by prompt lookup: drafts copied from the prompt, no second model. */
  readonly promptLookup?: boolean;
}

export interface ValidatedLlamaOptions {
  readonly modelPath: string;
  readonly modelBytes: number;
  readonly gpu: LlamaGpuOption;
  readonly contextSize: number | undefined;
  readonly slots: number | 'auto';
  readonly threads: number | undefined;
  readonly reasoning: boolean | undefined;
  readonly newCallId: (() => string) | undefined;
  readonly draftModelPath: string | undefined;
  readonly draftMinConfidence: number | undefined;
  readonly promptLookup: boolean;
}

const GGUF_MAGIC = Buffer.from('GGUF', 'latin1');

function isGpuOption(value: unknown): value is LlamaGpuOption {
  return typeof value === 'string' && (LLAMA_GPU_OPTIONS as readonly string[]).includes(value);
}

function positiveInt(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`llama engine: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

async function readMagic(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The file at `path` (resolved) and its size, once it is known to be a GGUF file. */
async function ggufFile(what: string, path: string): Promise<{ path: string; bytes: number }> {
  const resolved = resolve(path);
  const info = await stat(resolved).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT'
        ? `llama engine: ${what} file not found: ${resolved}`
        : `llama engine: cannot read ${what} file ${resolved}: ${String(err)}`,
      { cause: err },
    );
  });
  if (!info.isFile()) throw new Error(`llama engine: ${what} path is not a file: ${resolved}`);
  if (!(await readMagic(resolved)).equals(GGUF_MAGIC)) {
    throw new Error(`llama engine: not a GGUF file (no "GGUF" magic at the start): ${resolved}`);
  }
  return { path: resolved, bytes: info.size };
}

/** `value` is typed, but comes from a CLI or a config file: a string other than 'auto' is named. */
function slotsOption(value: unknown): number | 'auto' {
  if (value === 'auto') return value;
  if (typeof value === 'string')
    throw new Error(`llama engine: slots must be a positive integer or 'auto', got '${value}'`);
  return positiveInt('slots', value as number | undefined) ?? 1;
}

export async function validateLlamaOptions(
  options: LlamaEngineOptions,
): Promise<ValidatedLlamaOptions> {
  const gpu: unknown = options.gpu;
  if (!isGpuOption(gpu)) {
    throw new Error(
      `llama engine: gpu must be one of ${LLAMA_GPU_OPTIONS.join(', ')}; got ${JSON.stringify(gpu)}`,
    );
  }
  if (typeof options.modelPath !== 'string' || options.modelPath === '') {
    throw new Error('llama engine: modelPath is required');
  }
  const promptLookup = options.promptLookup ?? false;
  if (promptLookup && options.draftModelPath !== undefined) {
    throw new Error(
      'llama engine: choose one kind of speculative decoding: a draft model or prompt lookup, not both',
    );
  }
  const confidence = options.draftMinConfidence;
  // node-llama-cpp reads 1 as "off", like 0: refuse it rather than surprise.
  if (confidence !== undefined && !(confidence >= 0 && confidence < 1))
    throw new Error(`llama engine: draftMinConfidence must be in [0, 1), got ${confidence}`);
  if (confidence !== undefined && options.draftModelPath === undefined)
    throw new Error('llama engine: draftMinConfidence needs draftModelPath');
  const model = await ggufFile('model', options.modelPath);
  const draft =
    options.draftModelPath === undefined
      ? undefined
      : await ggufFile('draft model', options.draftModelPath);
  return {
    modelPath: model.path,
    modelBytes: model.bytes,
    gpu,
    contextSize: positiveInt('contextSize', options.contextSize),
    slots: slotsOption(options.slots),
    threads: positiveInt('threads', options.threads),
    reasoning: options.reasoning,
    newCallId: options.newCallId,
    draftModelPath: draft?.path,
    draftMinConfidence: confidence,
    promptLookup,
  };
}
