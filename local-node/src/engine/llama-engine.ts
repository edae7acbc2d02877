/**
 * Engine backed by node-llama-cpp: one GGUF model, one context with `slots` sequences.
 * Never builds or downloads anything: only prebuilt binaries already installed are used.
 */
import { randomUUID } from 'node:crypto';
import type { AnswerDelta, ModelCapability } from '@proxima/core/protocol';
import { GeneralChatWrapper, getLlama, resolveChatWrapper } from 'node-llama-cpp';
import type {
  ChatWrapper,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaGpuType,
  LlamaModel,
} from 'node-llama-cpp';
import { abortError, throwIfAborted } from './abort.ts';
import type { Engine, EngineInfo, EngineModel, GenerateEvent, GenerateRequest } from './engine.ts';
import { runChatJob } from './llama-chat-job.ts';
import { runCompletionJob } from './llama-completion-job.ts';
import { GrammarCache } from './llama-grammar.ts';
import { emptyDelta, type JobResult, type LlamaJobContext } from './llama-job.ts';
import { validateLlamaOptions } from './llama-options.ts';
import type { LlamaEngineOptions, LlamaGpuOption } from './llama-options.ts';
import { templateReasons } from './llama-reasoning.ts';
import { describeModel, modelIdFromPath } from './model-label.ts';
import { PushStream } from './push-stream.ts';
import { Slots } from './slots.ts';

export type { LlamaEngineOptions, LlamaGpuOption } from './llama-options.ts';

const DEFAULT_MAX_CONTEXT = 4096;
/** Below this size, thread synchronisation costs more than it saves (measured: 1 thread ~100x faster on a busy 2-core box). */
const TINY_MODEL_BYTES = 64 * 1024 * 1024;

async function loadLlama(gpu: LlamaGpuOption): Promise<Llama> {
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

/** The model's own chat template if it has one; otherwise a plain "### Human / ### Assistant" one. */
function chatWrapperFor(model: LlamaModel): ChatWrapper {
  const template = model.fileInfo.metadata.tokenizer?.chat_template;
  if (template !== undefined && template.trim() !== '') return resolveChatWrapper(model);
  return new GeneralChatWrapper();
}

function checkRequest(req: GenerateRequest, modelId: string): void {
  if (req.model !== modelId) {
    throw new Error(`llama engine: unknown model '${req.model}'; this engine serves '${modelId}'`);
  }
  if (!Number.isSafeInteger(req.maxTokens) || req.maxTokens < 1) {
    throw new Error(`llama engine: maxTokens must be a positive integer, got ${req.maxTokens}`);
  }
  if (!(req.temperature >= 0)) throw new Error('llama engine: temperature must be >= 0');
  if (!(req.topP > 0 && req.topP <= 1)) throw new Error('llama engine: topP must be in (0, 1]');
  if (req.prompt === undefined && req.messages.length === 0)
    throw new Error('llama engine: messages must not be empty');
}

export async function createLlamaEngine(options: LlamaEngineOptions): Promise<Engine> {
  const opts = await validateLlamaOptions(options);
  const llama = await loadLlama(opts.gpu);
  let model: LlamaModel;
  let context: LlamaContext;
  try {
    model = await llama.loadModel({ modelPath: opts.modelPath });
  } catch (err) {
    await llama.dispose();
    throw new Error(`llama engine: failed to load ${opts.modelPath}: ${String(err)}`, {
      cause: err,
    });
  }
  try {
    context = await model.createContext({
      contextSize: opts.contextSize ?? Math.min(model.trainContextSize, DEFAULT_MAX_CONTEXT),
      sequences: opts.slots,
      ...(opts.threads !== undefined
        ? { threads: opts.threads }
        : opts.modelBytes < TINY_MODEL_BYTES
          ? { threads: 1 }
          : {}),
    });
  } catch (err) {
    await llama.dispose(); // also disposes the model
    throw new Error(`llama engine: failed to create a context: ${String(err)}`, { cause: err });
  }

  const general = model.fileInfo.metadata.general;
  const id = modelIdFromPath(opts.modelPath);
  const contextSize = context.contextSize;
  const metadata = model.fileInfo.metadata.tokenizer;
  const tokenBytes = longestTokenBytes(metadata?.ggml?.tokens, metadata?.ggml?.token_type);
  const chatWrapper = chatWrapperFor(model);
  const reasoning = opts.reasoning ?? templateReasons(metadata?.chat_template);
  const models: readonly EngineModel[] = [
    {
      id,
      contextSize,
      description: describeModel(general, id),
      ...(tokenBytes === undefined ? {} : { maxPromptBytes: contextSize * tokenBytes }),
      capabilities: capabilitiesOf(model, reasoning),
    },
  ];
  const jobContext: LlamaJobContext = {
    model,
    chatWrapper,
    contextSize,
    grammars: new GrammarCache(llama),
    reasoning,
    newCallId: opts.newCallId ?? (() => `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`),
  };
  const slots = new Slots(opts.slots);
  const running = new Map<AbortController, Promise<unknown>>();
  let closed = false;

  /** Runs one generation on its own sequence; always releases the sequence and the slot. */
  async function runJob(
    req: GenerateRequest,
    stop: AbortSignal,
    release: () => void,
    emit: (delta: AnswerDelta) => void,
  ): Promise<JobResult> {
    let sequence: LlamaContextSequence | undefined;
    try {
      sequence = context.getSequence();
      const job = { ctx: jobContext, sequence, req, signal: stop, emit };
      const result = await (req.prompt === undefined ? runChatJob(job) : runCompletionJob(job));
      if (stop.aborted) throw abortError(stop);
      return result;
    } catch (err) {
      throw stop.aborted ? abortError(stop) : err;
    } finally {
      await sequence?.dispose();
      release();
    }
  }

  async function* generate(
    req: GenerateRequest,
    signal: AbortSignal,
  ): AsyncGenerator<GenerateEvent, void, undefined> {
    if (closed) throw new Error('llama engine: closed');
    checkRequest(req, id);
    throwIfAborted(signal);
    // Our own controller also fires when the consumer stops iterating or the engine closes.
    const stop = new AbortController();
    const forward = (): void => stop.abort(signal.reason);
    signal.addEventListener('abort', forward, { once: true });
    const deltas = new PushStream<AnswerDelta>();
    const job = slots.acquire(stop.signal).then((release) =>
      runJob(req, stop.signal, release, (delta) => {
        if (!emptyDelta(delta)) deltas.push(delta);
      }),
    );
    running.set(stop, job);
    job.then(
      () => deltas.end(),
      () => deltas.end(),
    );
    try {
      for await (const delta of deltas) yield { type: 'delta', ...delta };
      const { finishReason, usage } = await job;
      yield { type: 'done', finishReason, usage };
    } finally {
      stop.abort(); // no-op once finished; stops generation if the consumer left early
      await job.catch(() => undefined);
      signal.removeEventListener('abort', forward);
      running.delete(stop);
    }
  }

  return {
    models,
    continuesAssistant: true,
    async info(): Promise<EngineInfo> {
      const vram = await llama.getVramState();
      return {
        engine: 'node-llama-cpp',
        gpu: llama.gpu === false ? 'cpu' : llama.gpu,
        vramTotalBytes: vram.total,
        vramFreeBytes: vram.free,
      };
    },
    generate,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      // Stop in-flight generations and wait until their sequences are released, then free memory.
      for (const stop of running.keys()) stop.abort(new Error('llama engine closed'));
      await Promise.allSettled(running.values());
      await llama.dispose();
    },
  };
}

/**
 * The most UTF-8 bytes one vocabulary entry can stand for. A token's stored text is never shorter
 * in UTF-8 than the bytes it decodes to ("▁" for a space, "Ġ" for a byte, "<0x00>" for a raw
 * byte), so this bounds what one token covers, and context × this bounds what a prompt can be.
 * Control tokens (type 3) never come from prompt text, so they do not count.
 */
export function longestTokenBytes(
  tokens: readonly string[] | undefined,
  types?: readonly number[],
): number | undefined {
  if (!tokens || tokens.length === 0) return undefined;
  let longest = 1;
  for (const [i, token] of tokens.entries()) {
    if (types?.[i] === CONTROL_TOKEN) continue;
    longest = Math.max(longest, Buffer.byteLength(token, 'utf8'));
  }
  return longest;
}

const CONTROL_TOKEN = 3;

/** What this engine honours for the model: everything but vision; FIM and reasoning when it can. */
function capabilitiesOf(model: LlamaModel, reasoning: boolean): ModelCapability[] {
  const caps: ModelCapability[] = ['tools', 'json_schema', 'penalties', 'logit_bias', 'logprobs'];
  if (fimSupported(model)) caps.push('fim');
  if (reasoning) caps.push('reasoning');
  return caps;
}

/** LlamaCompletion.infillSupported's test, without a sequence to hold. */
function fimSupported(model: LlamaModel): boolean {
  return model.tokens.infill.prefix !== null && model.tokens.infill.suffix !== null;
}
