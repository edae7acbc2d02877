import {
  parseJsonText,
  ProximaError,
  REQUEST_BODY_DEFAULT_BYTES,
  REQUEST_BODY_MAX_BYTES,
} from '@proxima/core/protocol';
import { intVar, type Env } from '../env.ts';
import { readRequestBody } from '../read-bounded.ts';

/** The body limit in force: MAX_BODY_BYTES, which can never exceed what fits in a node frame. */
export function bodyLimit(env: Env): number {
  return intVar(env.MAX_BODY_BYTES, REQUEST_BODY_DEFAULT_BYTES, 1024, REQUEST_BODY_MAX_BYTES);
}

const truncated = () =>
  new ProximaError(
    'invalid_request',
    'Request body was cut short or badly framed (Content-Length or chunked encoding); send it whole.',
  );

/**
 * Reads a JSON body, refusing more than the body limit (413) even when Content-Length lies or is
 * absent. Routes whose bodies are not node frames (document uploads) pass their own limit. A
 * refused body is drained first (readRequestBody), so the client reads the 413.
 */
export async function readJsonBody(
  request: Request,
  env: Env,
  limit: number = bodyLimit(env),
): Promise<unknown> {
  const tooLarge = () =>
    new ProximaError('payload_too_large', `Request body exceeds ${limit} bytes.`);
  // A body that ends early or has broken chunk framing makes the runtime's reader throw: that is
  // the client's mistake, so a 400, never a 500.
  const body = await readRequestBody(request, limit);
  if (!body.ok) {
    if (body.reason === 'empty')
      throw new ProximaError('invalid_json', 'Request body is empty; send a JSON object.');
    throw body.reason === 'too_large' ? tooLarge() : truncated();
  }
  const bytes = body.bytes;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ProximaError('invalid_json', 'Request body is not valid UTF-8.');
  }
  return parseJsonText(text);
}
