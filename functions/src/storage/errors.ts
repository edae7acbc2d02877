// The Storage SDKs throw RestError with the HTTP status: the few statuses the handlers act on.
export function statusOf(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** 409: the entity or blob already exists (an insert or create-only write lost a race). */
export function isConflict(err: unknown): boolean {
  return statusOf(err) === 409;
}

/** 412: the etag moved on; someone else wrote since this was read. */
export function isPreconditionFailed(err: unknown): boolean {
  return statusOf(err) === 412;
}

export function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404;
}

/**
 * A record changed between this delivery's read and its write (another delivery of the same job):
 * the handler stops, and the queue's next delivery plans again from the fresh record.
 */
export class StaleRecordError extends Error {
  override readonly name = 'StaleRecordError';
}
