/**
 * Engine backed by node-llama-cpp: one GGUF model, one context with `slots` sequences, and
 * optionally speculative decoding (a draft model or prompt lookup: llama-speculation.ts).
 * Never builds or downloads anything: only prebuilt binaries already installed are used.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { AnswerDelta, ModelCapability } from '@proxima/core/protocol';
import { GeneralChatWrapper, resolveChatWrapper } from 'node-llama-cpp';
import type { ChatWrapper, LlamaModel } from 'node-llama-cpp';
import { abortError, throwIfAborted } from './abort.ts';
import type { Engine, EngineInfo, EngineModel, GenerateEvent, GenerateRequest } from './engine.ts';
import { readPool, usableSlots } from './llama-capacity.ts';
import { runChatJob } from './llama-chat-job.ts';
import { runCompletionJob } from './llama-completion-job.ts';
import { GrammarCache } from './llama-grammar.ts';
import { emptyDelta, type JobResult, type LlamaJobContext } from './llama-job.ts';
import { loadLlama } from './llama-load.ts';
import { validateLlamaOptions } from './llama-options.ts';
import type { LlamaEngineOptions } from './llama-options.ts';
import { templateReasons } from './llama-reasoning.ts';
import { Speculation, speculates, type SpeculationStats } from './llama-speculation.ts';
import { describeModel, modelIdFromPath } from './model-label.ts';
import { PushStream } from './push-stream.ts';
import { Slots } from './slots.ts';

export type { LlamaEngineOptions, LlamaGpuOption } from './llama-options.ts';
export type { SpeculationCounts, SpeculationStats } from './llama-speculation.ts';

/** How often free memory is read again under slots 'auto' (also on each job and info()). */
const CAPACITY_REFRESH_MS = 2000;

export interface LlamaEngine extends Engine {
  /**
   * Generations that may run at once now: the fixed count, or under slots 'auto' what fits in
   * free memory (it drops when another process takes VRAM, and comes back). Jobs beyond it wait.
   */
  slots(): number;
  /** Speculative decoding's counts so far, for acceptance rates (kind 'off' without it). */
  speculation(): SpeculationStats;
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

/**
 * A seed for a request without one: random (node:crypto), since node-llama-cpp would otherwise
 * seed with the current second and two requests in the same second would answer alike.
 */
function withSeed(req: GenerateRequest): GenerateRequest {
  return req.seed === undefined ? { ...req, seed: randomInt(0, 2 ** 32) } : req;
}

export async function createLlamaEngine(options: LlamaEngineOptions): Promise<LlamaEngine> {
  const opts = await validateLlamaOptions(options);
  const { llama, model, context, draftContext, sequences, auto } = await loadLlama(opts);

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
  const speculation = new Speculation(
    draftContext !== undefined
      ? { kind: 'draft', context: draftContext, minConfidence: opts.draftMinConfidence }
      : opts.promptLookup
        ? { kind: 'prompt-lookup' }
        : { kind: 'off' },
  );
  const slots = new Slots(sequences);
  const running = new Map<AbortController, Promise<unknown>>();
  let closed = false;

  /** Under slots 'auto': the usable count follows free memory now. */
  async function refreshSlots(): Promise<void> {
    if (auto === undefined || closed) return;
    const pool = await readPool(llama, auto.gpu);
    if (closed) return;
    slots.resize(usableSlots(pool, auto.ownBytes, auto.cost, auto.cap, auto.allocated));
  }
  const refresher =
    auto === undefined
      ? undefined
      : setInterval(() => void refreshSlots().catch(() => undefined), CAPACITY_REFRESH_MS);
  refresher?.unref();

  /** Runs one generation on its own sequence; always releases the sequence and the slot. */
  async function runJob(
    req: GenerateRequest,
    speculate: boolean,
    stop: AbortSignal,
    release: () => void,
    emit: (delta: AnswerDelta) => void,
  ): Promise<JobResult> {
    let held: ReturnType<Speculation['sequenceFor']> | undefined;
    try {
      held = speculation.sequenceFor(context, speculate);
      const job = { ctx: jobContext, sequence: held.sequence, req, signal: stop, emit };
      const result = await (req.prompt === undefined ? runChatJob(job) : runCompletionJob(job));
      if (stop.aborted) throw abortError(stop);
      return result;
    } catch (err) {
      throw stop.aborted ? abortError(stop) : err;
    } finally {
      await held?.release();
      release();
    }
  }

  async function* generate(
    request: GenerateRequest,
    signal: AbortSignal,
  ): AsyncGenerator<GenerateEvent, void, undefined> {
    if (closed) throw new Error('llama engine: closed');
    checkRequest(request, id);
    throwIfAborted(signal);
    const req = withSeed(request);
    const speculate = speculates(speculation.kind, {
      temperature: req.temperature,
      seeded: request.seed !== undefined,
    });
    // Our own controller also fires when the consumer stops iterating or the engine closes.
    const stop = new AbortController();
    const forward = (): void => stop.abort(signal.reason);
    signal.addEventListener('abort', forward, { once: true });
    const deltas = new PushStream<AnswerDelta>();
    const job = refreshSlots()
      .catch(() => undefined) // a failed reading keeps the count as it was
      .then(() => slots.acquire(stop.signal))
      .then((release) =>
        runJob(req, speculate, stop.signal, release, (delta) => {
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
      await refreshSlots().catch(() => undefined);
      return {
        engine: 'node-llama-cpp',
        gpu: llama.gpu === false ? 'cpu' : llama.gpu,
        vramTotalBytes: vram.total,
        vramFreeBytes: vram.free,
      };
    },
    generate,
    slots: () => slots.size,
    speculation: () => speculation.stats(),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(refresher);
      // Stop in-flight generations and wait until their sequences are released, then free memory.
      for (const stop of running.keys()) stop.abort(new Error('llama engine closed'));
      await Promise.allSettled(running.values());
      await speculation.settle();
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
