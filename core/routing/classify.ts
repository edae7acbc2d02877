/**
 * The one place a failed attempt is classified: may the edge try another backend, what does the
 * client hear if this was the last try, and does it count against the backend's breaker. The
 * engine's own text never enters: only codes do, and the client gets a fixed message per code
 * (see jobFailureError).
 */
import type { ErrorCode } from '../protocol/errors.ts';

/** Why an attempt failed, as the edge sees it. */
export type AttemptFailure =
  /** The node's session refused the job before it started (node-session `Unavailable`). */
  | {
      readonly kind: 'unavailable';
      readonly reason:
        | 'not_connected'
        | 'draining'
        | 'suspect'
        | 'model_not_served'
        | 'context_exceeded'
        | 'cannot_continue';
    }
  /** The job started and ended with an error event; `code` null when the stream just stopped. */
  | { readonly kind: 'job_error'; readonly code: string | null; readonly outputSent: boolean }
  /** Calling the backend threw (RPC to the session failed, network error). */
  | { readonly kind: 'dispatch_threw' };

export interface FailureClass {
  /** 'elsewhere': another backend may serve it. 'never': stop and answer the client. */
  readonly retry: 'elsewhere' | 'never';
  /** What the client is told if no later attempt succeeds; null when nobody is listening. */
  readonly clientError: ErrorCode | null;
  /** Whether it says the backend is unhealthy (feeds the breaker and the peak-EWMA). */
  readonly countsAgainstBreaker: boolean;
  /**
   * Whether a retry after it draws on the retry budget. Failures that may come from load (an
   * engine error, a failed call, an upstream's 5xx) do, so retries cannot amplify an overload. A
   * backend that is gone, silent, draining or not serving the model says nothing about load:
   * moving its work to a live backend is not amplification, so it is not rationed.
   */
  readonly spendsRetryBudget: boolean;
}

const c = (
  retry: FailureClass['retry'],
  clientError: ErrorCode | null,
  countsAgainstBreaker: boolean,
  spendsRetryBudget = false,
): FailureClass => ({ retry, clientError, countsAgainstBreaker, spendsRetryBudget });

function classifyUnavailable(
  reason: Extract<AttemptFailure, { kind: 'unavailable' }>['reason'],
): FailureClass {
  switch (reason) {
    // Presence was stale: the node is gone. Another may be up; the breaker stops re-picking it.
    case 'not_connected':
      return c('elsewhere', 'no_capacity', true);
    // Its session stopped hearing from it (the sentinel): a fault, so the breaker learns too.
    case 'suspect':
      return c('elsewhere', 'no_capacity', true);
    // Orderly states, not faults: go elsewhere without holding it against the node. A node that
    // cannot continue a cut stream (an old agent, or the text would not fit) may still be fine.
    case 'draining':
    case 'model_not_served':
    case 'cannot_continue':
      return c('elsewhere', 'no_capacity', false);
    // Another node may run the model with a larger context window.
    case 'context_exceeded':
      return c('elsewhere', 'context_length_exceeded', false);
  }
}

function classifyJobError(code: string | null, outputSent: boolean): FailureClass {
  // Once tokens reached the client a retry would send a second, different answer.
  const elsewhere = outputSent ? 'never' : 'elsewhere';
  switch (code) {
    // The client left: nothing to answer, and nothing learned about the backend.
    case 'client_closed':
      return c('never', null, false);
    // The edge cancelled on purpose (idle timeout and sequence gap report their own codes).
    case 'cancelled':
      return c('never', 'node_failed', false);
    case 'draining':
    case 'model_not_served':
      return c(elsewhere, 'no_capacity', false);
    // The node counted the prompt's real tokens: the prompt is the problem, not the node.
    case 'context_length_exceeded':
      return c('never', 'context_length_exceeded', false);
    // The engine refused a parameter for its model (a logit_bias id past its vocabulary).
    case 'invalid_request':
      return c('never', 'invalid_request', false);
    // The client's wait is already spent; a retry would double it.
    case 'upstream_timeout':
      return c('never', 'upstream_timeout', true);
    // The node is gone or went silent: its work moves to a live node, unrationed.
    case 'node_failed':
    case 'node_replaced':
    case 'node_stalled':
      return c(elsewhere, 'node_failed', true);
    // engine_failed, invalid_job, a stream that just stopped, and any code this edge does not
    // know yet: the node failed, maybe from load.
    default:
      return c(elsewhere, 'node_failed', true, true);
  }
}

export function classifyFailure(failure: AttemptFailure): FailureClass {
  switch (failure.kind) {
    case 'unavailable':
      return classifyUnavailable(failure.reason);
    case 'job_error':
      return classifyJobError(failure.code, failure.outputSent);
    case 'dispatch_threw':
      return c('elsewhere', 'no_capacity', true, true);
  }
}

/**
 * The client's answer after every attempt failed. A prompt too long anywhere wins (retrying will
 * not help, and the client can fix it); otherwise the last failure speaks; with no attempt at all
 * there was no capacity.
 */
export function finalClientError(classes: readonly FailureClass[]): ErrorCode | null {
  if (classes.some((k) => k.clientError === 'context_length_exceeded'))
    return 'context_length_exceeded';
  const last = classes.at(-1);
  return last ? last.clientError : 'no_capacity';
}
