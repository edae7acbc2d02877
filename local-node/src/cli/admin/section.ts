import type { Section } from '../status-view.ts';
import { EdgeHttpError, EdgeUnreachableError } from './client.ts';
import { UnexpectedAnswerError } from './views.ts';

/**
 * One part of a multi-part answer (`proxima status`, `proxima report`): its value read by `read`,
 * or why the edge did not give it (an HTTP error, unreachable, an unexpected shape). Any other
 * error is a bug and is thrown.
 */
export function sectionOf<T>(
  result: PromiseSettledResult<unknown>,
  read: (body: unknown) => T,
): Section<T> {
  try {
    if (result.status === 'rejected') throw result.reason;
    return { ok: true, value: read(result.value) };
  } catch (err) {
    if (err instanceof EdgeHttpError)
      return { ok: false, status: err.status, message: err.message };
    if (err instanceof EdgeUnreachableError || err instanceof UnexpectedAnswerError)
      return { ok: false, status: null, message: err.message };
    throw err;
  }
}
