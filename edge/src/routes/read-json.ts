import { ProximaError } from '@proxima/core/protocol';
import { intVar, type Env } from '../env.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Reads a JSON body, refusing more than MAX_BODY_BYTES (413) even when Content-Length lies or is absent. */
export async function readJsonBody(request: Request, env: Env): Promise<unknown> {
  const limit = intVar(env.MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES, 1024, 64 * 1024 * 1024);
  const tooLarge = () =>
    new ProximaError('payload_too_large', `Request body exceeds ${limit} bytes.`);
  const declared = Number(request.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  if (!request.body)
    throw new ProximaError('invalid_json', 'Request body is empty; send a JSON object.');

  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw new ProximaError('invalid_json', 'Request body is not valid JSON.');
  }
}
