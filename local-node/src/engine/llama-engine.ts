/**
 * Engine backed by node-llama-cpp: one GGUF model, one context with `slots` sequences.
 * Never builds or downloads anything: only prebuilt binaries already installed are used.
 */
import { GeneralChatWrapper, LlamaChat, getLlama, resolveChatWrapper } from 'node-llama-cpp';
import type {
  ChatHistoryItem,
  ChatWrapper,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaGpuType,
  LlamaModel,
} from 'node-llama-cpp';
import { abortError, throwIfAborted } from './abort.ts';
import { ContextOverflowError } from './engine.ts';
import type {
  Engine,
  EngineInfo,
  EngineMessage,
  EngineModel,
  FinishReason,
  GenerateEvent,
  GenerateRequest,
  Usage,
} from './engine.ts';
import { validateLlamaOptions } from './llama-options.ts';
import type { LlamaEngineOptions, LlamaGpuOption } from './llama-options.ts';
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

/** The chat so far; it ends with the model's turn, open, holding `prefix` when continuing. */
function toHistory(messages: readonly EngineMessage[], prefix = ''): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m): ChatHistoryItem => {
    if (m.role === 'system') return { type: 'system', text: m.content };
    if (m.role === 'user') return { type: 'user', text: m.content };
    return { type: 'model', response: [m.content] };
  });
  // The turn the model now writes. LlamaChat continues a trailing model response and reports
  // only the text it generates, so a prefix is never streamed again.
  history.push({ type: 'model', response: prefix === '' ? [] : [prefix] });
  return history;
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
  if (req.messages.length === 0) throw new Error('llama engine: messages must not be empty');
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
  const tokenBytes = longestTokenBytes(model.fileInfo.metadata.tokenizer?.ggml?.tokens);
  const models: readonly EngineModel[] = [
    {
      id,
      contextSize,
      description: describeModel(general, id),
      ...(tokenBytes === undefined ? {} : { maxPromptBytes: contextSize * tokenBytes }),
    },
  ];
  const chatWrapper = chatWrapperFor(model);
  const slots = new Slots(opts.slots);
  const running = new Map<AbortController, Promise<unknown>>();
  let closed = false;

  /** Runs one generation on its own sequence; always releases the sequence and the slot. */
  async function runJob(
    req: GenerateRequest,
    stop: AbortSignal,
    release: () => void,
    onText: (text: string) => void,
  ): Promise<{ finishReason: FinishReason; usage: Usage }> {
    let sequence: LlamaContextSequence | undefined;
    let chat: LlamaChat | undefined;
    try {
      sequence = context.getSequence();
      chat = new LlamaChat({ contextSequence: sequence, chatWrapper });
      const history = toHistory(req.messages, req.assistantPrefix);
      // Leave room for the prompt so generation ends with 'length' instead of shifting context.
      const { contextText } = chatWrapper.generateContextState({ chatHistory: history });
      const promptTokens = contextText.tokenize(model.tokenizer).length;
      if (promptTokens >= contextSize) {
        throw new ContextOverflowError(promptTokens, contextSize);
      }
      const result = await chat.generateResponse(history, {
        maxTokens: Math.min(req.maxTokens, contextSize - promptTokens),
        temperature: req.temperature,
        ...(req.temperature > 0 ? { topP: req.topP } : {}),
        ...(req.seed !== undefined ? { seed: req.seed } : {}),
        customStopTriggers: req.stop.filter((s) => s !== ''),
        signal: stop,
        stopOnAbortSignal: false,
        onTextChunk: (text) => {
          if (text !== '') onText(text);
        },
      });
      const reason = result.metadata.stopReason;
      if (reason === 'abort' || stop.aborted) throw abortError(stop);
      return {
        finishReason: reason === 'maxTokens' ? 'length' : 'stop',
        // The meter's input count omits a token it evaluates with the first sample, so the
        // prompt is counted from its tokenization; output counts every sampled token, EOS too.
        usage: { promptTokens, completionTokens: sequence.tokenMeter.usedOutputTokens },
      };
    } catch (err) {
      throw stop.aborted ? abortError(stop) : err;
    } finally {
      chat?.dispose();
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
    const deltas = new PushStream<string>();
    const job = slots
      .acquire(stop.signal)
      .then((release) => runJob(req, stop.signal, release, (text) => deltas.push(text)));
    running.set(stop, job);
    job.then(
      () => deltas.end(),
      () => deltas.end(),
    );
    try {
      for await (const text of deltas) yield { type: 'delta', text };
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
 */
export function longestTokenBytes(tokens: readonly string[] | undefined): number | undefined {
  if (!tokens || tokens.length === 0) return undefined;
  let longest = 1;
  for (const token of tokens) longest = Math.max(longest, Buffer.byteLength(token, 'utf8'));
  return longest;
}
