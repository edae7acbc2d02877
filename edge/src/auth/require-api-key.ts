import { ProximaError } from '@proxima/core/protocol';
import { createMiddleware } from 'hono/factory';
import { registryStub, type Env } from '../env.ts';
import { TtlCache } from '../ttl-cache.ts';
import { bearer, sha256Hex } from './hash.ts';

export interface AuthVariables {
  tenant: string;
}

/**
 * Known-good keys are remembered per isolate for a few seconds, so most requests skip the
 * registry. A key removed from the registry stops working within this TTL. Misses are not cached.
 */
export const AUTH_CACHE_TTL_MS = 10_000;
const authCache = new TtlCache<string>(AUTH_CACHE_TTL_MS, 10_000);

/** Resolves `Authorization: Bearer <key>` to a tenant through the registry; keys are only stored hashed. */
export const requireApiKey = createMiddleware<{ Bindings: Env; Variables: AuthVariables }>(
  async (c, next) => {
    const key = bearer(c.req.header('authorization'));
    if (!key) {
      throw new ProximaError(
        'invalid_api_key',
        'Missing API key: send Authorization: Bearer <key>.',
      );
    }
    const hash = await sha256Hex(key);
    const now = Date.now();
    let tenant = authCache.get(hash, now);
    if (tenant === undefined) {
      const found = await registryStub(c.env).authenticate(hash);
      if (!found) throw new ProximaError('invalid_api_key', 'Incorrect API key provided.');
      tenant = found.tenant;
      authCache.set(hash, tenant, now);
    }
    c.set('tenant', tenant);
    await next();
  },
);
