// The HTTP edges of the local API on Node: bounded JSON bodies, the client going away, and
// errors in OpenAI's or Ollama's shape.
import type { HttpBindings } from '@hono/node-server';
import {
  decodeUtf8,
  parseJsonText,
  ProximaError,
  REQUEST_BODY_MAX_BYTES,
  toProximaError,
} from '@proxima/core/protocol';
import { ollamaErrorBody } from '@proxima/core/protocol/ollama';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

export type LocalEnv = { Bindings: HttpBindings };
export type LocalContext = Context<LocalEnv>;

/** Refuses a body over the bound (413) before it is read whole, whether or not it is declared. */
export const boundedBody: MiddlewareHandler<LocalEnv> = bodyLimit({
  maxSize: REQUEST_BODY_MAX_BYTES,
  onError: () => {
    // The rest of the body is never read: the connection cannot carry another request.
    throw new ProximaError(
      'payload_too_large',
      `Request body exceeds ${REQUEST_BODY_MAX_BYTES} bytes.`,
      { headers: { connection: 'close' } },
    );
  },
});

/** The request's JSON body (after boundedBody): 400 for an empty, non-UTF-8 or malformed one. */
export async function readJson(c: LocalContext): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await c.req.arrayBuffer());
  } catch {
    throw new ProximaError(
      'invalid_request',
      'Request body was cut short or badly framed (Content-Length or chunked encoding); send it whole.',
    );
  }
  const text = decodeUtf8(bytes);
  if (text === null) throw new ProximaError('invalid_json', 'Request body is not valid UTF-8.');
  // A byte order mark is not part of the JSON text (the edge's decoder drops it too).
  return parseJsonText(text.startsWith('\uFEFF') ? text.slice(1) : text);
}

/**
 * Fires when the client goes away before its response is finished (the connection closed), so
 * the engine stops generating for nobody.
 */
export function clientGone(c: LocalContext): AbortSignal {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  if (outgoing === undefined) return c.req.raw.signal;
  const controller = new AbortController();
  const onClose = () => {
    if (!outgoing.writableFinished) controller.abort(new Error('the client went away'));
  };
  if (outgoing.destroyed) onClose();
  else outgoing.once('close', onClose);
  return AbortSignal.any([controller.signal, c.req.raw.signal]);
}

/** An error in OpenAI's shape, with its status and headers (Retry-After, Allow). */
export function openAiErrorResponse(err: unknown): Response {
  const e = toProximaError(err);
  return errorResponse(e, e.toBody());
}

/** An error in Ollama's shape, `{"error": "..."}`, with the same status and headers. */
export function ollamaErrorResponse(err: unknown): Response {
  const e = toProximaError(err);
  return errorResponse(e, ollamaErrorBody(e.message));
}

function errorResponse(e: ProximaError, body: unknown): Response {
  const headers = new Headers(e.headers);
  headers.set('content-type', 'application/json');
  if (e.retryAfter !== undefined) headers.set('retry-after', String(e.retryAfter));
  return new Response(JSON.stringify(body), { status: e.status, headers });
}
