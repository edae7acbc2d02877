import { ADMIN_TOKEN_MIN_CHARS, ProximaError } from '@proxima/core/protocol';
import { createMiddleware } from 'hono/factory';
import { clientAddress } from '../../auth/client-address.ts';
import { blockedSeconds, recordFailure } from '../../auth/failed-auth.ts';
import { bearer, secretsEqual } from '../../auth/hash.ts';
import type { Env } from '../../env.ts';

/** ADMIN_TOKEN when the admin API (and the dashboard) is on; otherwise a 404 saying why. */
export function enabledAdminToken(env: Env): string {
  const expected = env.ADMIN_TOKEN;
  if (!expected)
    throw new ProximaError('not_found', 'The admin API is disabled: set ADMIN_TOKEN to enable it.');
  if (expected.length < ADMIN_TOKEN_MIN_CHARS) {
    throw new ProximaError(
      'not_found',
      `The admin API is disabled: ADMIN_TOKEN must be at least ${ADMIN_TOKEN_MIN_CHARS} characters.`,
    );
  }
  return expected;
}

/**
 * The admin API is off unless ADMIN_TOKEN is set to at least ADMIN_TOKEN_MIN_CHARS characters.
 * The token is compared in constant time; wrong tokens count against the caller's address.
 */
export const requireAdmin = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  const expected = enabledAdminToken(c.env);
  // The comparison costs no lookup, so a correct token always passes, even from an address that
  // a flood of bad keys has blocked; only wrong tokens are counted and refused.
  const given = bearer(c.req.header('authorization'));
  if (given && (await secretsEqual(given, expected))) return next();
  const now = Date.now();
  const address = clientAddress(c.req.raw);
  const blocked = blockedSeconds(address, now);
  if (blocked > 0) {
    throw new ProximaError(
      'rate_limit_exceeded',
      `Too many failed authentication attempts from this address; retry in ${blocked} s.`,
      { retryAfter: blocked },
    );
  }
  recordFailure(address, now);
  throw new ProximaError('invalid_api_key', 'Missing or wrong admin token.');
});
