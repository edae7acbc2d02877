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
  /** Concurrent generations (context sequences); defaults to 1. */
  readonly slots?: number;
  /** CPU threads per evaluation; defaults to 1 for tiny models, else node-llama-cpp's choice. */
  readonly threads?: number;
  /**
   * The model reasons in <think> sections (split out as reasoning_content, 'reasoning'
   * announced). Defaults to whether its chat template mentions <think>.
   */
  readonly reasoning?: boolean;
  /** Makes tool call ids; defaults to "call_" and 24 random hex digits (node:crypto). */
  readonly newCallId?: () => string;
}

export interface ValidatedLlamaOptions {
  readonly modelPath: string;
  readonly modelBytes: number;
  readonly gpu: LlamaGpuOption;
  readonly contextSize: number | undefined;
  readonly slots: number;
  readonly threads: number | undefined;
  readonly reasoning: boolean | undefined;
  readonly newCallId: (() => string) | undefined;
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
  const modelPath = resolve(options.modelPath);
  const info = await stat(modelPath).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT'
        ? `llama engine: model file not found: ${modelPath}`
        : `llama engine: cannot read model file ${modelPath}: ${String(err)}`,
      { cause: err },
    );
  });
  if (!info.isFile()) throw new Error(`llama engine: model path is not a file: ${modelPath}`);
  if (!(await readMagic(modelPath)).equals(GGUF_MAGIC)) {
    throw new Error(`llama engine: not a GGUF file (no "GGUF" magic at the start): ${modelPath}`);
  }
  return {
    modelPath,
    modelBytes: info.size,
    gpu,
    contextSize: positiveInt('contextSize', options.contextSize),
    slots: positiveInt('slots', options.slots) ?? 1,
    threads: positiveInt('threads', options.threads),
    reasoning: options.reasoning,
    newCallId: options.newCallId,
  };
}
