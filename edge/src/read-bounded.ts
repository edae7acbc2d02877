import { REFUSED_BODY_DRAIN_BYTES } from '@proxima/core/protocol';

/** A body read whole, or why not: over `limit` bytes, or broken framing (the reader threw). */
export type Bounded =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly reason: 'too_large' | 'broken' };

/** What dropRest needs of a stream's reader (Node's types, in tests/, lack the DOM's name for it). */
interface ByteReader {
  read(): Promise<{ readonly done: boolean; readonly value?: Uint8Array | undefined }>;
  cancel(): Promise<void>;
}

/**
 * A request body of at most `limit` bytes, or why not (`empty`: there is none). A body declared or
 * found larger is read to its end and dropped first, up to REFUSED_BODY_DRAIN_BYTES: a server that
 * closes a connection with unread bytes in it resets the connection, and the client then loses the
 * 413 it was sent.
 */
export async function readRequestBody(
  request: Request,
  limit: number,
): Promise<Bounded | { readonly ok: false; readonly reason: 'empty' }> {
  const body = request.body as ReadableStream<Uint8Array> | null;
  const declared = Number(request.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit) {
    await drainRequestBody(request);
    return { ok: false, reason: 'too_large' };
  }
  if (!body) return { ok: false, reason: 'empty' };
  return readAtMost(body, limit, REFUSED_BODY_DRAIN_BYTES);
}

/**
 * Reads and drops a request body nobody will read (the request is refused), up to
 * REFUSED_BODY_DRAIN_BYTES, so that the client can read the answer (see readRequestBody). A body
 * declared larger than that, or already being read, is left alone.
 */
export async function drainRequestBody(request: Request): Promise<void> {
  const body = request.body as ReadableStream<Uint8Array> | null;
  if (!body || request.bodyUsed || body.locked) return;
  const declared = Number(request.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > REFUSED_BODY_DRAIN_BYTES) return;
  await dropRest(body.getReader(), REFUSED_BODY_DRAIN_BYTES, 0);
}

/**
 * Reads a stream to its end, stopping once it passes `limit` bytes. Past the limit the rest is
 * cancelled, or first read and dropped until the stream ends or passes `drainUpTo` bytes in all.
 */
export async function readAtMost(
  stream: ReadableStream<Uint8Array>,
  limit: number,
  drainUpTo = 0,
): Promise<Bounded> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    // Typed from the reader, not by the DOM's name for it: Node's types (tests/) lack that name.
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch {
      return { ok: false, reason: 'broken' };
    }
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > limit) {
      await dropRest(reader, drainUpTo, size);
      return { ok: false, reason: 'too_large' };
    }
    parts.push(chunk.value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return { ok: true, bytes };
}

/** Reads and drops the rest of a stream until it ends or passes `cap` bytes in all, then cancels it. */
async function dropRest(reader: ByteReader, cap: number, alreadyRead: number): Promise<void> {
  let size = alreadyRead;
  try {
    while (size < cap) {
      const chunk = await reader.read();
      if (chunk.done) return;
      size += chunk.value?.byteLength ?? 0;
    }
  } catch {
    return; // broken framing: there is nothing more to read
  }
  await reader.cancel().catch(() => undefined);
}
