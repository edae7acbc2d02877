import { DASHBOARD_ACTION_HEADER, type SessionView } from '@proxima/core/dashboard';
import { ProximaError } from '@proxima/core/protocol';
import { createMiddleware } from 'hono/factory';
import type { Env } from '../../env.ts';
import { enabledAdminToken } from '../../routes/admin/require-admin.ts';
import { sessionCookie } from './cookie.ts';
import { verifySession } from './session-token.ts';

export interface SessionVariables {
  session: SessionView;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A state-changing call must carry the action header (a cross-site form cannot set one) and, when
 * the browser names an Origin, come from the edge's own. With SameSite=Strict this closes CSRF.
 */
export function checkSameOrigin(request: Request): void {
  if (SAFE_METHODS.has(request.method)) return;
  if (request.headers.get(DASHBOARD_ACTION_HEADER) !== '1') {
    throw new ProximaError(
      'forbidden',
      `Dashboard actions must carry the header ${DASHBOARD_ACTION_HEADER}: 1.`,
    );
  }
  const origin = request.headers.get('origin');
  if (origin !== null && origin !== new URL(request.url).origin) {
    throw new ProximaError('forbidden', 'Dashboard actions must come from the dashboard itself.');
  }
}

/** Every dashboard API call but login needs a valid session cookie (401 otherwise). */
export const requireSession = createMiddleware<{ Bindings: Env; Variables: SessionVariables }>(
  async (c, next) => {
    const adminToken = enabledAdminToken(c.env);
    const token = sessionCookie(c.req.header('cookie'));
    const session = token === null ? null : await verifySession(adminToken, token, Date.now());
    if (session === null) {
      throw new ProximaError(
        'invalid_api_key',
        'Not logged in to the dashboard, or the session expired: log in again.',
      );
    }
    checkSameOrigin(c.req.raw);
    c.set('session', session);
    await next();
  },
);
