import { ProximaError, SECRET_PATTERN } from '@proxima/core/protocol';
import { createMiddleware } from 'hono/factory';
import { registryStub, type Env } from '../env.ts';
import type { AuthRecord } from '../registry/credentials.ts';
import { TtlCache } from '../ttl-cache.ts';
import { clientAddress } from './client-address.ts';
import { mayLookUp, recordFailure, recordSuccess, secretId } from './failed-auth.ts';
import { bearer, sha256Hex } from './hash.ts';

export interface AuthVariables {
  auth: AuthRecord;
}

/**
 * Known-good keys are remembered per isolate for a few seconds, so most requests skip the
 * registry. A revoked key, or a change of limits, takes effect within this TTL (at once in the
 * isolate that made the change).
 */
export const AUTH_CACHE_TTL_MS = 10_000;
const authCache = new TtlCache<AuthRecord>({
  ttlMs: AUTH_CACHE_TTL_MS,
  maxEntries: 10_000,
  maxBytes: 8 * 1024 * 1024,
  sizeOf: (key, value) => key.length * 2 + 512 + JSON.stringify(value.limits).length * 2,
});

/** After a revocation or a change of limits: this isolate asks the registry again. */
export function forgetCachedKeys(): void {
  authCache.clear();
}

const incorrect = () => new ProximaError('invalid_api_key', 'Incorrect API key provided.');

/**
 * Resolves `Authorization: Bearer <key>` to a tenant. Malformed keys, keys that just failed and
 * unknown keys from addresses that keep failing are refused without a registry lookup.
 */
export const requireApiKey = createMiddleware<{ Bindings: Env; Variables: AuthVariables }>(
  async (c, next) => {
    const header = c.req.header('authorization');
    const key = bearer(header);
    const now = Date.now();
    const address = clientAddress(c.req.raw);
    if (!key) {
      throw new ProximaError(
        'invalid_api_key',
        header
          ? 'Malformed Authorization header: send exactly one "Authorization: Bearer <key>".'
          : 'Missing API key: send Authorization: Bearer <key>.',
      );
    }
    if (!SECRET_PATTERN.test(key)) {
      recordFailure(address, now);
      throw incorrect();
    }
    const hash = await sha256Hex(key);
    let auth = authCache.get(hash, now);
    if (auth === undefined) {
      const secret = secretId('api_key', hash);
      const verdict = mayLookUp(address, secret, now);
      if (verdict.kind === 'blocked') {
        throw new ProximaError(
          'rate_limit_exceeded',
          `Too many failed authentication attempts from this address; retry in ${verdict.retryAfterSeconds} s.`,
          { retryAfter: verdict.retryAfterSeconds },
        );
      }
      if (verdict.kind === 'known_bad') {
        recordFailure(address, now);
        throw incorrect();
      }
      const found = await registryStub(c.env).authenticate(hash);
      if (!found) {
        recordFailure(address, now, secret);
        throw incorrect();
      }
      auth = found;
      authCache.set(hash, auth, now);
      recordSuccess(secret, now);
    }
    c.set('auth', auth);
    await next();
  },
);
