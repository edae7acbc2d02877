// HMAC signatures between the edge and the Function App, both ways (jobs in, callbacks out). The
// signed message binds the time, the method, the path and the body, so a captured request cannot
// be replayed later, to another route, or with another body. The MAC itself is injected
// (WebCrypto HMAC-SHA-256 in both runtimes): core reads no key and no clock.
import { encodeUtf8 } from '../protocol/utf8.ts';
import { BURST_LIMITS } from './limits.ts';

export const SIGNATURE_HEADER = 'x-proxima-signature';

/** HMAC-SHA-256 under the shared secret. */
export interface Mac {
  sign(message: Uint8Array): Promise<Uint8Array>;
}

export interface SignedRequest {
  readonly method: string;
  /** The URL's path, without the query: what both sides route on. */
  readonly path: string;
  readonly body: Uint8Array;
}

export type SignatureCheck =
  | { readonly ok: true; readonly at: number }
  | {
      readonly ok: false;
      readonly reason: 'missing' | 'malformed' | 'stale' | 'mismatch';
      readonly message: string;
    };

const HEADER = /^t=(\d{1,16}),v1=([0-9a-f]{64})$/;

/** The bytes the MAC covers. */
export function signedMessage(at: number, req: SignedRequest): Uint8Array {
  const head = encodeUtf8(`proxima-v1\n${at}\n${req.method.toUpperCase()}\n${req.path}\n`);
  const out = new Uint8Array(head.length + req.body.length);
  out.set(head);
  out.set(req.body, head.length);
  return out;
}

/** The header value for `req` signed at `at` (ms since the epoch). */
export async function signRequest(mac: Mac, at: number, req: SignedRequest): Promise<string> {
  if (!Number.isSafeInteger(at) || at < 0) throw new RangeError(`bad signing time ${at}`);
  return `t=${at},v1=${hex(await mac.sign(signedMessage(at, req)))}`;
}

/**
 * Whether `header` signs `req` with the shared secret, at a time within clockSkewMs of `now`.
 * Every mismatch costs the same comparison: no early exit on the first differing byte.
 */
export async function verifyRequest(
  mac: Mac,
  header: string | null | undefined,
  now: number,
  req: SignedRequest,
  skewMs: number = BURST_LIMITS.clockSkewMs,
): Promise<SignatureCheck> {
  if (header === null || header === undefined || header === '')
    return { ok: false, reason: 'missing', message: `the ${SIGNATURE_HEADER} header is missing` };
  const match = HEADER.exec(header.trim());
  if (!match)
    return {
      ok: false,
      reason: 'malformed',
      message: `${SIGNATURE_HEADER} must be t=<ms since the epoch>,v1=<64 hex digits>`,
    };
  const at = Number(match[1]);
  if (Math.abs(now - at) > skewMs)
    return {
      ok: false,
      reason: 'stale',
      message: `the signature's time is ${Math.round((at - now) / 1000)} s from this clock; at most ${skewMs / 1000} s either way`,
    };
  const want = hex(await mac.sign(signedMessage(at, req)));
  if (!equalText(want, match[2]!))
    return { ok: false, reason: 'mismatch', message: 'the signature does not match the request' };
  return { ok: true, at };
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Constant time for strings of equal length (both are 64 hex digits here). */
function equalText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
