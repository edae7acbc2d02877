/**
 * A test-only Engine whose answer is a known function of the prompt (sequence.ts): one token per
 * delta, `<tag><i> `, paced by a per-token delay. It continues an assistant prefix
 * (`continuesAssistant`): it checks that the prefix is exactly the first k tokens of the prompt's
 * sequence and carries on from token k, so a stream that crossed nodes can be checked exactly. A
 * prefix that is not (a token repeated or lost on the way) fails the job. Never shipped.
 */
import type {
  Engine,
  EngineInfo,
  GenerateEvent,
  GenerateRequest,
} from '@proxima/local-node/engine';
import {
  countPrefix,
  lastUserMessage,
  naturalStop,
  promptTokens,
  tagOf,
  tokenAt,
} from './sequence.ts';

export const COUNTING_CONTEXT = 8192;

export interface CountingEngineOptions {
  readonly models: readonly string[];
  /** Time before each token, in ms. */
  readonly tokenDelayMs: number;
  /** Told when a job continues a prefix of `tokens` tokens. */
  readonly onContinue?: (tokens: number) => void;
}

/** The prefix a continuation was given is not a prefix of the prompt's sequence. */
export class PrefixMismatchError extends Error {
  override readonly name = 'PrefixMismatchError';
}

export class CountingEngine implements Engine {
  readonly models: Engine['models'];
  readonly continuesAssistant = true;
  private delayMs: number;
  private hung = false;
  /** Wakes jobs parked by `hang()`. */
  private unhang: Array<() => void> = [];
  private readonly onContinue: ((tokens: number) => void) | undefined;

  constructor(options: CountingEngineOptions) {
    if (!Number.isFinite(options.tokenDelayMs) || options.tokenDelayMs < 0)
      throw new Error(`tokenDelayMs must be a number ≥ 0, got ${options.tokenDelayMs}`);
    this.models = options.models.map((id) => ({
      id,
      contextSize: COUNTING_CONTEXT,
      description: 'failover test fixture: counts deterministically',
    }));
    this.delayMs = options.tokenDelayMs;
    this.onContinue = options.onContinue;
  }

  /** A slow node: every later token waits this long. */
  setTokenDelay(ms: number): void {
    this.delayMs = ms;
  }

  /** A hung engine: jobs stop producing tokens (the node still beats) until `resume()`. */
  hang(): void {
    this.hung = true;
  }

  resume(): void {
    this.hung = false;
    for (const wake of this.unhang.splice(0)) wake();
  }

  info(): Promise<EngineInfo> {
    return Promise.resolve({
      engine: 'counting',
      gpu: 'none',
      vramTotalBytes: 0,
      vramFreeBytes: 0,
    });
  }

  async *generate(req: GenerateRequest, signal: AbortSignal): AsyncGenerator<GenerateEvent> {
    signal.throwIfAborted();
    const prompt = lastUserMessage(req.messages);
    const tag = tagOf(prompt);
    let from = 0;
    if (req.assistantPrefix !== undefined) {
      const k = countPrefix(tag, req.assistantPrefix);
      if (k === null) {
        throw new PrefixMismatchError(
          `the assistant prefix is not a prefix of this prompt's sequence: ${JSON.stringify(req.assistantPrefix.slice(-80))}`,
        );
      }
      from = k;
      this.onContinue?.(k);
    }
    const stop = naturalStop(prompt);
    // maxTokens is what is left of the client's budget: the original budget ends at from + it.
    const end = from + req.maxTokens;
    const usage = (i: number) => ({
      promptTokens: promptTokens(req.messages) + from,
      completionTokens: i - from,
    });
    for (let i = from; ; i++) {
      // The budget is checked first: a natural end that falls on it comes too late.
      if (i >= end) {
        yield { type: 'done', finishReason: 'length', usage: usage(i) };
        return;
      }
      if (stop !== null && i >= stop) {
        yield { type: 'done', finishReason: 'stop', usage: usage(i) };
        return;
      }
      await this.pace(signal);
      yield { type: 'delta', text: tokenAt(tag, i) };
    }
  }

  close(): Promise<void> {
    this.resume();
    return Promise.resolve();
  }

  /** Waits out the token delay, and a hang; rejects at once when the job is aborted. */
  private async pace(signal: AbortSignal): Promise<void> {
    await wait(this.delayMs, signal);
    while (this.hung) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal.reason as Error);
        signal.addEventListener('abort', onAbort, { once: true });
        this.unhang.push(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
    signal.throwIfAborted();
  }
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
