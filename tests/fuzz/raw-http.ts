import { connect } from 'node:net';

/**
 * An HTTP/1.1 request written byte for byte on a raw socket, so a test can send what no HTTP
 * client would: duplicated headers, lying Content-Length, broken chunk framing, garbage.
 */
export interface RawRequest {
  /** Everything up to and including the blank line after the headers; `Connection: close` is the caller's. */
  readonly head: string;
  /** Bytes written after the head. */
  readonly body?: Uint8Array;
  /**
   * After writing, wait this long and then half-close the socket (FIN), as a client whose body
   * was cut short would. Undefined: keep the socket open until the answer.
   */
  readonly endAfterMs?: number;
}

export interface RawAnswer {
  /** 0 when the server closed the socket without answering. */
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
  /** No complete answer within the timeout. */
  readonly timedOut: boolean;
  /** A socket error, if any (a server that closes early may reset a large upload). */
  readonly socketError: string | null;
  readonly ms: number;
}

const CRLF_CRLF = Buffer.from('\r\n\r\n');

interface Parsed {
  status: number;
  headers: Map<string, string>;
  body: string;
  complete: boolean;
}

/** Parses what has arrived so far; `complete` once the body is whole by its framing. */
function parseAnswer(data: Buffer, closed: boolean, method: string): Parsed | null {
  const end = data.indexOf(CRLF_CRLF);
  if (end < 0) return null;
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  const match = /^HTTP\/\d\.\d (\d{3})/.exec(lines[0] ?? '');
  if (!match) return null;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).trim().toLowerCase();
      const prior = headers.get(name);
      const value = line.slice(colon + 1).trim();
      headers.set(name, prior === undefined ? value : `${prior}, ${value}`);
    }
  }
  const status = Number(match[1]);
  const rest = data.subarray(end + 4);
  if (method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    return { status, headers, body: '', complete: true };
  }
  const length = headers.get('content-length');
  if (headers.get('transfer-encoding')?.toLowerCase().includes('chunked')) {
    const decoded = decodeChunked(rest);
    return {
      status,
      headers,
      body: decoded.body,
      complete: decoded.complete || closed,
    };
  }
  if (length !== undefined && /^\d+$/.test(length)) {
    const n = Number(length);
    return {
      status,
      headers,
      body: rest.subarray(0, n).toString('utf8'),
      complete: rest.length >= n || closed,
    };
  }
  return { status, headers, body: rest.toString('utf8'), complete: closed };
}

function decodeChunked(data: Buffer): { body: string; complete: boolean } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) break;
    if (size === 0) return { body: Buffer.concat(parts).toString('utf8'), complete: true };
    if (data.length < lineEnd + 2 + size + 2) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return { body: Buffer.concat(parts).toString('utf8'), complete: false };
}

/** Sends one raw request and waits for the whole answer, the socket's end, or `timeoutMs`. */
export function sendRaw(url: string, request: RawRequest, timeoutMs: number): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const method = request.head.slice(0, request.head.indexOf(' '));
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let socketError: string | null = null;
    let settled = false;
    let endTimer: ReturnType<typeof setTimeout> | undefined;
    const finish = (closed: boolean, timedOut: boolean) => {
      if (settled) return;
      const data = Buffer.concat(chunks);
      const parsed = parseAnswer(data, closed, method);
      if (!timedOut && !closed && !parsed?.complete) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(endTimer);
      socket.destroy();
      resolve({
        status: parsed?.status ?? 0,
        headers: parsed?.headers ?? new Map(),
        body: parsed?.body ?? data.toString('latin1'),
        timedOut: timedOut && !parsed?.complete,
        socketError,
        ms: Math.round(performance.now() - started),
      });
    };
    const timer = setTimeout(() => finish(false, true), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      finish(false, false);
    });
    socket.on('close', () => finish(true, false));
    socket.on('error', (err) => {
      socketError = err.message;
    });
    socket.on('connect', () => {
      socket.write(request.head, 'latin1');
      const afterWrite = () => {
        if (request.endAfterMs !== undefined) {
          endTimer = setTimeout(() => socket.end(), request.endAfterMs);
        }
      };
      if (request.body && request.body.length > 0) socket.write(request.body, afterWrite);
      else afterWrite();
    });
  });
}

/** Runs `work` over `items` with at most `limit` in flight; results keep the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (;;) {
      const index = next++;
      const item = items[index];
      if (index >= items.length || item === undefined) return;
      results[index] = await work(item, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
