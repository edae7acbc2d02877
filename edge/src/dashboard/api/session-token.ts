import { DASHBOARD_LIMITS, type SessionView } from '@proxima/core/dashboard';
import { secretsEqual } from '../../auth/hash.ts';
import { hmacMac } from '../../auth/hmac.ts';

// A session is `v1.<subject>.<expiresAt>.<mac>`, the MAC (HMAC-SHA-256 under ADMIN_TOKEN, base64url)
// over a domain-separated text: stateless, and rotating ADMIN_TOKEN ends every session at once.

const VERSION = 'v1';
const SUBJECT = /^[a-z0-9_-]{1,64}$/;

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');
}

async function macOf(adminToken: string, subject: string, expiresAt: number): Promise<string> {
  const text = `proxima-dashboard-session|${VERSION}|${subject}|${expiresAt}`;
  return base64url(await hmacMac(adminToken).sign(new TextEncoder().encode(text)));
}

export async function issueSession(
  adminToken: string,
  subject: string,
  now: number,
): Promise<{ token: string; view: SessionView }> {
  if (!SUBJECT.test(subject)) throw new Error(`bad session subject ${subject}`);
  const expiresAt = now + DASHBOARD_LIMITS.sessionMs;
  const mac = await macOf(adminToken, subject, expiresAt);
  return { token: `${VERSION}.${subject}.${expiresAt}.${mac}`, view: { subject, expiresAt } };
}

/** The session a token names, or null: malformed, forged, under another ADMIN_TOKEN, or expired. */
export async function verifySession(
  adminToken: string,
  token: string,
  now: number,
): Promise<SessionView | null> {
  const parts = token.split('.');
  if (parts.length !== 4) return null;
  const [version, subject, expires, mac] = parts as [string, string, string, string];
  if (version !== VERSION || !SUBJECT.test(subject) || !/^\d{1,16}$/.test(expires)) return null;
  const expiresAt = Number(expires);
  if (expiresAt <= now || expiresAt > now + DASHBOARD_LIMITS.sessionMs) return null;
  const expected = await macOf(adminToken, subject, expiresAt);
  if (!(await secretsEqual(mac, expected))) return null;
  return { subject, expiresAt };
}
