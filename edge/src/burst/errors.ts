// What a client hears when a burst job is refused or fails. The client's own mistakes (a bad
// field, an unknown model, too large a file) reach it as the same error, in its request's terms;
// anything else is the burst service's fault: a 502 naming the job, with the Function App's and
// Foundry's own words kept in the edge's log.
import { ERROR_CODES, isErrorCode, ProximaError, type ErrorCode } from '@proxima/core/protocol';
import type { SeenJob } from './client.ts';

/** Codes that say the request itself is at fault: retrying it elsewhere would not help. */
const CLIENT_FAULTS: ReadonlySet<ErrorCode> = new Set([
  'invalid_request',
  'unsupported_parameter',
  'context_length_exceeded',
  'model_not_found',
  'payload_too_large',
  'unsupported_media_type',
]);

/** Whether `err` is the client's request at fault (a 4xx other than auth and limits). */
export function isClientFault(err: ProximaError): boolean {
  return CLIENT_FAULTS.has(err.code);
}

const errorBody = (body: unknown) =>
  (body as { error?: { code?: unknown; message?: unknown; param?: unknown } } | null)?.error;

/** The Function App's 4xx answer to a signed request about job `id`. */
export function functionError(status: number, body: unknown, id: string): ProximaError {
  const error = errorBody(body);
  const code = error?.code;
  if (isErrorCode(code) && CLIENT_FAULTS.has(code) && typeof error?.message === 'string') {
    const param = typeof error.param === 'string' ? error.param : undefined;
    return new ProximaError(code, error.message, param === undefined ? {} : { param });
  }
  // 401: the two sides' secrets (or clocks) disagree; 404: a job it accepted is gone. Either is
  // for the operator, not the client.
  console.error(
    JSON.stringify({
      event: 'burst.refused',
      id,
      status,
      code: typeof code === 'string' ? code : null,
      message: typeof error?.message === 'string' ? error.message.slice(0, 300) : null,
      hint: status === 401 ? 'check BURST_SECRET and the clocks of both sides' : undefined,
    }),
  );
  return new ProximaError(
    'upstream_error',
    `The burst service refused job ${id} (status ${status}).`,
  );
}

/** The error a failed job's client gets. */
export function jobFailureError(view: SeenJob): ProximaError {
  const code = view.error?.code;
  const message = view.error?.message ?? '';
  if (isErrorCode(code) && CLIENT_FAULTS.has(code) && ERROR_CODES[code].status < 500)
    return new ProximaError(code, message);
  console.warn(
    JSON.stringify({
      event: 'burst.job_failed',
      id: view.id,
      code: code ?? null,
      message: message.slice(0, 500),
    }),
  );
  return new ProximaError(
    'upstream_error',
    `Burst job ${view.id} failed (${code ?? 'unknown'}); the operator can look it up by this id.`,
  );
}

/** Field names of a job, as the client named them: whole prefixes (`input.audio.*` → `file`). */
export function renamer(fields: Readonly<Record<string, string>>): (jobField: string) => string {
  return (jobField) => {
    for (const [prefix, client] of Object.entries(fields))
      if (jobField === prefix || jobField.startsWith(`${prefix}.`)) return client;
    return jobField;
  };
}

/**
 * `err` in the client's terms: a job field (`input.image`) becomes the request's (`image`), in
 * the param and where the message quotes it.
 */
export function inClientTerms(
  err: ProximaError,
  rename: (jobField: string) => string,
): ProximaError {
  const message = err.message.replace(/'(input[.\w[\]]*)'/g, (_, f: string) => `'${rename(f)}'`);
  return new ProximaError(err.code, message, {
    ...(err.param === null ? {} : { param: rename(err.param) }),
    ...(err.retryAfter === undefined ? {} : { retryAfter: err.retryAfter }),
    headers: err.headers,
  });
}
