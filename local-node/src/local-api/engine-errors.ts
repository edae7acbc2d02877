// What a client is told when the engine fails: the caller's mistakes as 400s naming the field,
// anything else as a short 500 (the engine's own words go to the log, never a stack to the client).
import { contextLengthError, ProximaError } from '@proxima/core/protocol';
import type { Logger } from '../agent/log.ts';
import { ContextOverflowError, InvalidRequestError } from '../engine/engine.ts';

export interface FailedWork {
  readonly model: string;
  /** The field a client shortens when its prompt is too long. */
  readonly promptParam: string;
  /** For the log line: which route's work failed. */
  readonly what: string;
}

/** The job error class of a failure, as a stream's error frame names it (job-errors.ts). */
export function failureCode(
  err: unknown,
): 'context_length_exceeded' | 'invalid_request' | 'engine_failed' {
  if (err instanceof ContextOverflowError) return 'context_length_exceeded';
  if (err instanceof InvalidRequestError) return 'invalid_request';
  return 'engine_failed';
}

export function engineError(err: unknown, work: FailedWork, log: Logger): ProximaError {
  if (err instanceof ProximaError) return err;
  if (err instanceof ContextOverflowError)
    return contextLengthError(work.model, work.promptParam, {
      by: 'tokens',
      promptTokens: err.promptTokens,
      contextSize: err.contextSize,
    });
  if (err instanceof InvalidRequestError)
    return new ProximaError('invalid_request', `Invalid '${err.param}': ${err.message}.`, {
      param: err.param,
    });
  logEngineFailure(err, work, log);
  return new ProximaError('internal_error', `The engine failed on ${work.what}.`);
}

export function logEngineFailure(err: unknown, work: FailedWork, log: Logger): void {
  log('error', 'local_api.engine_failed', {
    what: work.what,
    model: work.model,
    error: (err instanceof Error ? err.message : String(err)).slice(0, 512),
  });
}
