import { DASHBOARD_COOKIE, DASHBOARD_LIMITS } from '@proxima/core/dashboard';

/** The session cookie's value in a Cookie header, or null. */
export function sessionCookie(header: string | null | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === DASHBOARD_COOKIE) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Set-Cookie for a session: HttpOnly, SameSite=Strict, scoped to /dashboard; Secure over https. */
export function setSessionCookie(token: string, secure: boolean): string {
  const maxAge = Math.floor(DASHBOARD_LIMITS.sessionMs / 1000);
  return `${DASHBOARD_COOKIE}=${token}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}

export function clearSessionCookie(secure: boolean): string {
  return `${DASHBOARD_COOKIE}=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}
