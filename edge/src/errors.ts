import { ProximaError, toProximaError } from '@proxima/core/protocol';
import type { Context } from 'hono';

/** The one place an error becomes a response: OpenAI's JSON shape, precise status, Retry-After. */
export function errorResponse(err: unknown): Response {
  const e = toProximaError(err);
  if (!(err instanceof ProximaError)) console.error('unhandled error', err);
  const headers = new Headers(e.headers);
  headers.set('content-type', 'application/json');
  if (e.retryAfter !== undefined) headers.set('retry-after', String(e.retryAfter));
  return new Response(JSON.stringify(e.toBody()), { status: e.status, headers });
}

export function onError(err: unknown, _c: Context): Response {
  return errorResponse(err);
}
