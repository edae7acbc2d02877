/**
 * Mid-stream failover: what the edge does when a streamed answer's backend fails after the
 * response began. The client has seen some text; the edge either continues the generation on
 * another backend (the text so far goes along as the assistant prefix, see
 * protocol/node/continuation.ts), ends the answer as 'length' when its token budget was already
 * spent, or ends it with an explicit error event. Pure: the edge's adapter (edge/src/routes/)
 * feeds it what happened and does what it says.
 */
import type { ErrorCode } from '../protocol/errors.ts';
import type { ChatRequest } from '../protocol/openai/chat-request.ts';
import type { TokenUsage } from '../protocol/openai/chat-response.ts';
import { classifyFailure } from './classify.ts';

export interface FailoverOptions {
  /** Continuations one stream may use; 0 turns mid-stream failover off. */
  readonly maxContinuations: number;
  /**
   * Whether the request can be carried on from its text (continuableMidStream); default true. A
   * request that cannot still moves to another backend before its first chunk.
   */
  readonly continuable?: boolean;
}

export const DEFAULT_FAILOVER: FailoverOptions = { maxContinuations: 2 };
/** The most continuations a deployment may configure: each costs a prompt re-evaluation. */
export const MAX_CONTINUATIONS_CEILING = 8;

/** What the client received so far, and how many backends it took. */
export interface StreamProgress {
  /** Every chunk's text, in order, across all attempts. */
  readonly text: string;
  readonly chunks: number;
  readonly continuations: number;
  /** Chunks the client had when the current attempt began: they are not in its usage. */
  readonly chunksBeforeAttempt: number;
  /** False once a chunk carried more than text (reasoning, tool calls, log probabilities). */
  readonly textOnly: boolean;
}

export const NO_PROGRESS: StreamProgress = {
  text: '',
  chunks: 0,
  continuations: 0,
  chunksBeforeAttempt: 0,
  textOnly: true,
};

export function recordChunk(
  progress: StreamProgress,
  text: string,
  beyondText = false,
): StreamProgress {
  return {
    ...progress,
    text: progress.text + text,
    chunks: progress.chunks + 1,
    textOnly: progress.textOnly && !beyondText,
  };
}

/**
 * Whether another backend can carry on a cut answer from its text alone. Not under a grammar
 * (structured output, tool calls: the next backend's grammar would start over) nor with log
 * probabilities (the prefix's would be missing).
 */
export function continuableMidStream(
  req: Pick<ChatRequest, 'responseFormat' | 'toolChoice' | 'logprobs'>,
): boolean {
  return req.responseFormat.type === 'text' && req.toolChoice === 'none' && req.logprobs === null;
}

/** A new attempt took over the stream. */
export function recordContinuation(progress: StreamProgress): StreamProgress {
  return {
    ...progress,
    continuations: progress.continuations + 1,
    chunksBeforeAttempt: progress.chunks,
  };
}

export type FailoverDecision =
  /** Route again with `progress` (the next backend must be able to continue, unless no text). */
  | { readonly kind: 'continue' }
  /** The token budget is spent: end normally, as the length limit would have. */
  | { readonly kind: 'finish_length' }
  /** End the stream with this error event. */
  | { readonly kind: 'end'; readonly code: ErrorCode };

/**
 * `code`: the failed attempt's job error code; null when its stream just stopped or threw (a
 * reset session, a dropped connection). Each chunk carries at least one sampled token, so a
 * stream that sent `maxTokens` chunks has spent its budget.
 */
export function onStreamFailure(
  progress: StreamProgress,
  code: string | null,
  maxTokens: number | null,
  options: FailoverOptions = DEFAULT_FAILOVER,
): FailoverDecision {
  // The client saw nothing of this attempt's kind of failure as output: judge it like a failure
  // before any output, since the continuation will not repeat what was sent.
  const cls = classifyFailure({ kind: 'job_error', code, outputSent: false });
  if (cls.retry === 'never') return { kind: 'end', code: cls.clientError ?? 'node_failed' };
  if (maxTokens !== null && progress.chunks >= maxTokens) return { kind: 'finish_length' };
  if (progress.chunks > 0 && (options.continuable === false || !progress.textOnly))
    return { kind: 'end', code: 'node_failed' };
  if (progress.continuations >= options.maxContinuations)
    return { kind: 'end', code: 'node_failed' };
  return { kind: 'continue' };
}

/**
 * Usage for the whole answer. The last attempt counted the client's earlier text as prompt (it
 * evaluated it as the assistant prefix); it is completion, one token per chunk (what the
 * engines send), so those tokens move from prompt to completion. `last` null: no attempt
 * finished (the budget ran out at a cut), so the prompt is the edge's estimate.
 */
export function usageAfterFailover(
  progress: StreamProgress,
  last: TokenUsage | null,
  promptEstimate: number,
): TokenUsage {
  if (last === null) return { promptTokens: promptEstimate, completionTokens: progress.chunks };
  const moved = progress.chunksBeforeAttempt;
  return {
    promptTokens: Math.max(0, last.promptTokens - moved),
    completionTokens: last.completionTokens + moved,
  };
}
