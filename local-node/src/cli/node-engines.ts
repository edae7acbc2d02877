/**
 * The engines `proxima node` runs, from its flags: a GGUF on llama.cpp, an Ollama server, an
 * OpenAI-compatible server, an ONNX embedding model and the OCR models, in any combination.
 */
import type { ModelCapability } from '@proxima/core/protocol';
import type { Logger } from '../agent/log.ts';
import { CompositeEngine, type NamedEngine } from '../engine/composite-engine.ts';
import { createLlamaEngine, type LlamaGpuOption } from '../engine/llama-engine.ts';
import { createOcrEngine } from '../engine/ocr/ocr-engine.ts';
import { createOllamaEngine } from '../engine/ollama/ollama-engine.ts';
import type { EpChoice } from '../engine/onnx/execution-providers.ts';
import { createOnnxEmbedEngine } from '../engine/onnx/onnx-embed-engine.ts';
import { createOpenAiCompatEngine } from '../engine/openai-compat/openai-compat-engine.ts';

/** The OpenAI-compatible engine's own default, restated so the node can count its slots. */
const OPENAI_COMPAT_DEFAULT_SLOTS = 4;

export interface NodeEngineFlags {
  readonly model?: string;
  readonly gpu: LlamaGpuOption;
  readonly slots: number | 'auto';
  readonly contextSize?: number;
  readonly reasoning?: boolean;
  readonly draftModel?: string;
  readonly promptLookup?: boolean;
  readonly ollama?: string;
  readonly ollamaModels?: readonly string[];
  readonly ollamaPrefix?: string;
  readonly ollamaSlots?: number;
  readonly ollamaContextSize?: number;
  readonly openai?: string;
  readonly openaiKey?: string;
  readonly openaiModels?: readonly string[];
  readonly openaiPrefix?: string;
  readonly openaiCapabilities?: readonly ModelCapability[];
  readonly openaiContextSize?: number;
  readonly openaiSlots?: number;
  readonly onnxEmbed?: string;
  readonly onnxEmbedId?: string;
  readonly ocr?: boolean;
  readonly ep: EpChoice;
}

export interface NodeEngines {
  readonly engine: CompositeEngine;
  /** Jobs the node runs at once: the sum of its engines' slots (llama's may follow free VRAM). */
  readonly slots: () => number;
}

/** Whether the flags name at least one engine. */
export function namesAnEngine(flags: NodeEngineFlags): boolean {
  return (
    flags.model !== undefined ||
    flags.ollama !== undefined ||
    flags.openai !== undefined ||
    flags.onnxEmbed !== undefined ||
    flags.ocr === true
  );
}

/** Starts every engine the flags name; when one fails, the ones already started are closed. */
export async function startNodeEngines(flags: NodeEngineFlags, log: Logger): Promise<NodeEngines> {
  if (!namesAnEngine(flags))
    throw new Error(
      'no engine: pass --model FILE.gguf, --ollama URL, --openai URL, --onnx-embed FILE.onnx or --ocr',
    );
  const started: (NamedEngine & { slots: () => number })[] = [];
  try {
    if (flags.model !== undefined) {
      const engine = await createLlamaEngine({
        modelPath: flags.model,
        gpu: flags.gpu,
        slots: flags.slots,
        ...(flags.contextSize === undefined ? {} : { contextSize: flags.contextSize }),
        ...(flags.reasoning === undefined ? {} : { reasoning: flags.reasoning }),
        ...(flags.draftModel === undefined ? {} : { draftModelPath: flags.draftModel }),
        ...(flags.promptLookup === true ? { promptLookup: true } : {}),
      });
      started.push({ name: 'llama.cpp', engine, slots: () => engine.slots() });
    }
    if (flags.ollama !== undefined) {
      const engine = await createOllamaEngine({
        host: flags.ollama,
        log,
        ...(flags.ollamaModels === undefined ? {} : { models: flags.ollamaModels }),
        ...(flags.ollamaPrefix === undefined ? {} : { idPrefix: flags.ollamaPrefix }),
        ...(flags.ollamaSlots === undefined ? {} : { slots: flags.ollamaSlots }),
        ...(flags.ollamaContextSize === undefined ? {} : { contextSize: flags.ollamaContextSize }),
      });
      started.push({ name: 'ollama', engine, slots: () => engine.slots });
    }
    if (flags.openai !== undefined) {
      const slots = flags.openaiSlots ?? OPENAI_COMPAT_DEFAULT_SLOTS;
      const engine = await createOpenAiCompatEngine({
        baseUrl: flags.openai,
        slots,
        log,
        ...(flags.openaiKey === undefined ? {} : { apiKey: flags.openaiKey }),
        ...(flags.openaiModels === undefined ? {} : { models: flags.openaiModels }),
        ...(flags.openaiPrefix === undefined ? {} : { idPrefix: flags.openaiPrefix }),
        ...(flags.openaiCapabilities === undefined
          ? {}
          : { capabilities: flags.openaiCapabilities }),
        ...(flags.openaiContextSize === undefined ? {} : { contextSize: flags.openaiContextSize }),
      });
      started.push({ name: 'openai-compatible', engine, slots: () => slots });
    }
    if (flags.onnxEmbed !== undefined) {
      const engine = await createOnnxEmbedEngine({
        modelPath: flags.onnxEmbed,
        ep: flags.ep,
        log,
        ...(flags.onnxEmbedId === undefined ? {} : { id: flags.onnxEmbedId }),
      });
      started.push({ name: 'onnx', engine, slots: () => 1 });
    }
    if (flags.ocr === true) {
      const engine = await createOcrEngine({ ep: flags.ep, log });
      started.push({ name: 'onnx-ocr', engine, slots: () => 1 });
    }
    const engine = new CompositeEngine(started);
    return { engine, slots: () => started.reduce((n, e) => n + e.slots(), 0) };
  } catch (err) {
    await Promise.allSettled(started.map((e) => e.engine.close()));
    throw err;
  }
}
