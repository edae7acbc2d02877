/** What a node can run. One implementation per backend (node-llama-cpp today; ollama, openai-compatible later). */

export interface EngineMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

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
}

export type FinishReason = 'stop' | 'length';

export interface Usage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** Events in order: zero or more `delta`, then exactly one `done`. Errors are thrown. */
export type GenerateEvent =
  | { readonly type: 'delta'; readonly text: string }
  | { readonly type: 'done'; readonly finishReason: FinishReason; readonly usage: Usage };

export interface EngineModel {
  readonly id: string;
  readonly contextSize: number;
  /** Free text shown to users, e.g. "demo model with random weights". */
  readonly description: string;
  /** A prompt longer than this (UTF-8 bytes) cannot fit the context, whatever it says. */
  readonly maxPromptBytes?: number;
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
  close(): Promise<void>;
}

/** The prompt does not fit the model's context: the caller's mistake, answered with a 400. */
export class ContextOverflowError extends Error {
  override readonly name = 'ContextOverflowError';
  readonly promptTokens: number;
  readonly contextSize: number;

  constructor(promptTokens: number, contextSize: number) {
    super(`prompt is ${promptTokens} tokens; the context holds ${contextSize}`);
    this.promptTokens = promptTokens;
    this.contextSize = contextSize;
  }
}
