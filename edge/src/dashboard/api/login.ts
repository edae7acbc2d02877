import { DASHBOARD_LIMITS } from '@proxima/core/dashboard';
import { parseOrThrow, ProximaError } from '@proxima/core/protocol';
import { Hono } from 'hono';
import * as z from 'zod';
import { clientAddress } from '../../auth/client-address.ts';
import { blockedSeconds, recordFailure } from '../../auth/failed-auth.ts';
import { secretsEqual } from '../../auth/hash.ts';
import type { Env } from '../../env.ts';
import { enabledAdminToken } from '../../routes/admin/require-admin.ts';
import { readJsonBody } from '../../routes/read-json.ts';
import { audit } from './audit.ts';
import { clearSessionCookie, setSessionCookie } from './cookie.ts';
import { checkSameOrigin, requireSession, type SessionVariables } from './require-session.ts';
import { issueSession } from './session-token.ts';

const loginBody = z.strictObject({
  token: z.string({ error: 'must be the admin token, a string' }).min(1, 'must not be empty'),
});

const secureOf = (url: string) => new URL(url).protocol === 'https:';

/** Login, logout and the current session. The admin token travels once, in the login's body. */
export const sessionRoutes = new Hono<{ Bindings: Env; Variables: SessionVariables }>();

sessionRoutes.post('/login', async (c) => {
  const adminToken = enabledAdminToken(c.env);
  checkSameOrigin(c.req.raw);
  const now = Date.now();
  const address = clientAddress(c.req.raw);
  const body = parseOrThrow(
    loginBody,
    await readJsonBody(c.req.raw, c.env, DASHBOARD_LIMITS.loginBodyBytes),
    'request body',
  );
  if (!(await secretsEqual(body.token, adminToken))) {
    // As for the admin API: the right token always passes, even from an address a flood of
    // wrong ones has blocked; only wrong ones are counted and refused.
    const blocked = blockedSeconds(address, now);
    if (blocked > 0) {
      throw new ProximaError(
        'rate_limit_exceeded',
        `Too many failed logins from this address; retry in ${blocked} s.`,
        { retryAfter: blocked },
      );
    }
    recordFailure(address, now);
    await audit(c.env, {
      subject: 'unknown',
      action: 'login',
      target: 'dashboard',
      outcome: 'refused',
      detail: `wrong token from ${address}`,
    });
    throw new ProximaError('invalid_api_key', 'Wrong admin token.', { param: 'token' });
  }
  const { token, view } = await issueSession(adminToken, 'admin', now);
  await audit(c.env, {
    subject: view.subject,
    action: 'login',
    target: 'dashboard',
    outcome: 'ok',
    detail: `from ${address}`,
  });
  c.header('set-cookie', setSessionCookie(token, secureOf(c.req.url)));
  c.header('cache-control', 'no-store');
  return c.json(view);
});

sessionRoutes.post('/logout', requireSession, async (c) => {
  await audit(c.env, {
    subject: c.var.session.subject,
    action: 'logout',
    target: 'dashboard',
    outcome: 'ok',
    detail: '',
  });
  c.header('set-cookie', clearSessionCookie(secureOf(c.req.url)));
  return c.json({ loggedOut: true });
});

sessionRoutes.get('/session', requireSession, (c) => {
  c.header('cache-control', 'no-store');
  return c.json(c.var.session);
});
