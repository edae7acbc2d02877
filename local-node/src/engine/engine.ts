/** What a node can run. One implementation per backend (node-llama-cpp today; ollama, openai-compatible later). */
import {
  nodeContextOverflowMessage,
  type AnswerDelta,
  type JobRequest,
  type ModelCapability,
} from '@proxima/core/protocol';

/** A chat message as the protocol carries it: images as bytes, tool calls and tool answers. */
export type EngineMessage = JobRequest['messages'][number];

export interface GenerateRequest {
  readonly model: string;
  readonly messages: readonly EngineMessage[];
  /** Upper bound on generated tokens; the engine also stops at end-of-generation or context end. */
  readonly maxTokens: number;
  readonly temperature: number;
  readonly topP: number;
  readonly stop: readonly string[];
  readonly seed?: number;
  /** Continue an assistant turn that already holds this text; deltas are only what follows it. */
  readonly assistantPrefix?: string;
  /** A raw completion (no chat template): the prompt, and a suffix to fill in the middle of. */
  readonly prompt?: JobRequest['prompt'];
  // The rest need a model capability (EngineModel.capabilities); absent means off.
  readonly frequencyPenalty?: number;
  readonly presencePenalty?: number;
  readonly logitBias?: JobRequest['logitBias'];
  /** Alternatives per token when log probabilities are wanted. */
  readonly logprobs?: number;
  readonly tools?: JobRequest['tools'];
  readonly toolChoice?: JobRequest['toolChoice'];
  readonly parallelToolCalls?: boolean;
  readonly responseFormat?: JobRequest['responseFormat'];
  readonly reasoningEffort?: JobRequest['reasoningEffort'];
}

export type FinishReason = 'stop' | 'length' | 'tool_calls';

export interface Usage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** Events in order: zero or more `delta`, then exactly one `done`. Errors are thrown. */
export type GenerateEvent =
  | ({ readonly type: 'delta' } & AnswerDelta)
  | { readonly type: 'done'; readonly finishReason: FinishReason; readonly usage: Usage };

/**
 * What a model is for: 'generate' (chat and raw completions; the default when absent), 'embed'
 * (vectors for /v1/embeddings) or 'ocr' (text from images). A job of another kind is refused.
 */
export type ModelKind = 'generate' | 'embed' | 'ocr';

export interface EmbedRequest {
  readonly model: string;
  readonly inputs: readonly string[];
  /** Fewer dimensions than the model's, where the model allows truncation; absent: all. */
  readonly dimensions?: number;
}

export interface EmbedResult {
  /** One vector per input, in order, each of the same length. */
  readonly vectors: readonly Float32Array[];
  readonly promptTokens: number;
}

export interface OcrRequest {
  readonly model: string;
  readonly image: { readonly mimeType: string; readonly bytes: Uint8Array };
}

export interface OcrLine {
  readonly text: string;
  /** Mean recognition confidence, 0..1. */
  readonly confidence: number;
  /** Corners in pixels, clockwise from top left. */
  readonly box: readonly (readonly [number, number])[];
}

export interface OcrResult {
  readonly lines: readonly OcrLine[];
}

export interface EngineModel {
  readonly id: string;
  readonly kind?: ModelKind;
  readonly contextSize: number;
  /** Free text shown to users, e.g. "demo model with random weights". */
  readonly description: string;
  /** A prompt longer than this (UTF-8 bytes) cannot fit the context, whatever it says. */
  readonly maxPromptBytes?: number;
  /** What it can do beyond plain chat; the node announces these and refuses jobs needing others. */
  readonly capabilities?: readonly ModelCapability[];
}

export interface EngineInfo {
  readonly engine: string;
  /** 'cuda' | 'vulkan' | 'metal' | 'cpu' … as the backend reports it. */
  readonly gpu: string;
  readonly vramTotalBytes: number;
  readonly vramFreeBytes: number;
}

export interface Engine {
  readonly models: readonly EngineModel[];
  /** True when `assistantPrefix` is honoured; the node announces 'continue' only then. */
  readonly continuesAssistant?: boolean;
  info(): Promise<EngineInfo>;
  /** Streams a completion. Aborting `signal` stops generation promptly and rejects with an AbortError. */
  generate(req: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateEvent>;
  /** Present when some model has kind 'embed'. */
  embed?(req: EmbedRequest, signal: AbortSignal): Promise<EmbedResult>;
  /** Present when some model has kind 'ocr'. */
  recognize?(req: OcrRequest, signal: AbortSignal): Promise<OcrResult>;
  close(): Promise<void>;
}

/** The prompt does not fit the model's context: the caller's mistake, answered with a 400. */
export class ContextOverflowError extends Error {
  override readonly name = 'ContextOverflowError';
  readonly promptTokens: number;
  readonly contextSize: number;

  constructor(promptTokens: number, contextSize: number) {
    super(nodeContextOverflowMessage(promptTokens, contextSize));
    this.promptTokens = promptTokens;
    this.contextSize = contextSize;
  }
}

/**
 * A request this engine cannot honour for this model, though it passed the edge's checks (a
 * logit_bias token id outside the vocabulary, a schema that admits no value): a 400 naming `param`.
 */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
  readonly param: string;

  constructor(message: string, param: string) {
    super(message);
    this.param = param;
  }
}
