/** One AbortError shape for every engine, whatever reason the caller aborted with. */

export class AbortError extends Error {
  override readonly name = 'AbortError';
  constructor(message = 'The generation was aborted', options?: ErrorOptions) {
    super(message, options);
  }
}

/** Wraps the signal's reason (kept as `cause`) so callers can test `err.name === 'AbortError'`. */
export function abortError(signal: AbortSignal): AbortError {
  const reason: unknown = signal.reason;
  if (reason instanceof AbortError) return reason;
  return new AbortError('The generation was aborted', { cause: reason });
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortError(signal);
}
