// A run's failures as RunResults. Messages are cut to what a job record keeps, so an upstream's
// long error page never fills the Table.
import { BURST_LIMITS, type RunResult } from '@proxima/core/jobs';
import type { ErrorCode } from '@proxima/core/protocol';

export type RunFailure = Extract<RunResult, { ok: false }>;

export function failure(code: ErrorCode, message: string, retryable: boolean): RunFailure {
  return { ok: false, code, message: message.slice(0, BURST_LIMITS.errorChars), retryable };
}

/**
 * The run was stopped by its caller (the run timeout, or the host shutting down): another
 * delivery may finish it.
 */
export function stopped(signal: AbortSignal): RunFailure {
  const reason: unknown = signal.reason;
  const timedOut =
    typeof reason === 'object' &&
    reason !== null &&
    'name' in reason &&
    reason.name === 'TimeoutError';
  return timedOut
    ? failure('upstream_timeout', 'The run took longer than it may and was stopped.', true)
    : failure('internal_error', 'The run was stopped before it finished.', true);
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
