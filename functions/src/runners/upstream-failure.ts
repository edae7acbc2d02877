// Foundry's failures as a run's: the request's own fault (400, 404, 413, 422) never heals, refused
// credentials need an operator, and the rest (rate limits, 5xx, timeouts, an unreachable
// endpoint) may pass, so the queue delivers the job again.
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { failure, messageOf, stopped, type RunFailure } from './failure.ts';
import { TokenError } from './foundry.ts';

const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 409, 429]);

/** What `err`, thrown by a request to Foundry, means for the run. */
export function upstreamFailure(err: unknown, signal: AbortSignal): RunFailure {
  if (signal.aborted || err instanceof APIUserAbortError) return stopped(signal);
  const token = tokenErrorIn(err);
  if (token !== undefined)
    return failure('upstream_error', `${token.message}: ${messageOf(token.cause)}`, true);
  if (err instanceof APIConnectionTimeoutError)
    return failure('upstream_timeout', 'Foundry did not answer in time.', true);
  if (err instanceof APIConnectionError)
    return failure('upstream_error', `Foundry could not be reached: ${rootMessage(err)}`, true);
  if (!isApiError(err))
    return failure('internal_error', `The request to Foundry failed: ${messageOf(err)}`, true);
  const status = err.status ?? 0;
  const words = `Foundry answered ${status}: ${serverMessage(err)}`;
  if (status === 404) return failure('model_not_found', words, false);
  if (status === 400 || status === 413 || status === 422)
    return failure('invalid_request', words, false);
  if (status === 401 || status === 403)
    return failure(
      'upstream_error',
      `Foundry refused the credentials (${status}): ${serverMessage(err)}`,
      false,
    );
  if (status === 408 || status === 504) return failure('upstream_timeout', words, true);
  if (RETRYABLE_STATUSES.has(status) || status >= 500)
    return failure('upstream_error', words, true);
  return failure('upstream_error', words, false);
}

/** `instanceof APIError`, typed with the class's defaults rather than `any`. */
function isApiError(err: unknown): err is APIError {
  return err instanceof APIError;
}

/** The server's own `error.message`, without the client's status prefix. */
function serverMessage(err: APIError): string {
  const body: unknown = err.error;
  const message =
    typeof body === 'object' && body !== null && 'message' in body ? body.message : undefined;
  return typeof message === 'string' && message !== '' ? message : err.message;
}

/** The innermost message of a cause chain ("Connection error." wraps "connect ECONNREFUSED …"). */
function rootMessage(err: Error): string {
  let root = err;
  for (let depth = 0; depth < 8 && root.cause instanceof Error; depth++) root = root.cause;
  return root.message;
}

/** The client wraps a failing apiKey function in an OpenAIError; find ours inside. */
function tokenErrorIn(err: unknown): TokenError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++)
    if (e instanceof TokenError) return e;
  return undefined;
}
