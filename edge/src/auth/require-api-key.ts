import { ProximaError, SECRET_PATTERN } from '@proxima/core/protocol';
import { AuthCache, type AuthRecord, type Scope } from '@proxima/core/registry';
import { createMiddleware } from 'hono/factory';
import type { Env } from '../env.ts';
import { registryClient } from '../raft/client/registry.ts';
import { clientAddress } from './client-address.ts';
import { mayLookUp, recordFailure, recordSuccess, secretId } from './failed-auth.ts';
import { bearer, sha256Hex } from './hash.ts';

export interface AuthVariables {
  auth: AuthRecord;
}

/**
 * Known-good keys are answered from this isolate's cache, with no registry round trip, while the
 * registry's authVersion was confirmed by a read started within the last second. So a revoked
 * key, or a change of limits, takes effect everywhere within 1 s (at once in the isolate that
 * made the change). A busy isolate confirms in the background; an idle one on its next request.
 * While the registry has no leader, cached keys keep working for up to 30 s (see AuthCache).
 */
const cache = new AuthCache();
let confirming: Promise<void> | null = null;
/** A confirmation has a fallback (the outage grace), so it gives up sooner than other reads. */
const CONFIRM_CLIENT = { timeoutMs: 500, budgetMs: 1000 };

/** After a revocation or a change of limits: this isolate asks the registry again. */
export function forgetCachedKeys(): void {
  cache.clear();
}

/** One confirmation of the authVersion at a time per isolate; callers share it. */
function confirmVersion(env: Env): Promise<void> {
  confirming ??= (async () => {
    try {
      const startedAt = Date.now();
      const registry = await registryClient(env, CONFIRM_CLIENT);
      const version = await registry.read({ type: 'authVersion' });
      cache.observe(version, startedAt);
    } finally {
      confirming = null;
    }
  })();
  return confirming;
}

const incorrect = () => new ProximaError('invalid_api_key', 'Incorrect API key provided.');

/**
 * Resolves `Authorization: Bearer <key>` to a tenant and checks that the key grants `scope`.
 * Malformed keys, keys that just failed and unknown keys from addresses that keep failing are
 * refused without a registry read.
 */
export function requireApiKey(scope: Scope) {
  return createMiddleware<{ Bindings: Env; Variables: AuthVariables }>(async (c, next) => {
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
    let found = cache.lookup(hash, now);
    if (found.kind === 'stale') {
      const stale = found;
      const reached = await confirmVersion(c.env).then(
        () => true,
        (err: unknown) => {
          if (!stale.usableInOutage) throw err;
          return false;
        },
      );
      // Unreachable registry: no revocation can commit without a leader, so serve what we had.
      found = reached ? cache.lookup(hash, Date.now()) : { ...stale, kind: 'hit', refresh: false };
    }
    let auth: AuthRecord;
    if (found.kind === 'hit') {
      auth = found.record;
      if (found.refresh) c.executionCtx.waitUntil(confirmVersion(c.env).catch(() => undefined));
    } else {
      auth = await lookUp(c.env, hash, address, now);
    }
    if (!auth.scopes.includes(scope)) {
      throw new ProximaError(
        'forbidden',
        `This API key does not grant the '${scope}' scope; its scopes: ${auth.scopes.join(', ')}.`,
      );
    }
    c.set('auth', auth);
    await next();
  });
}

/** A registry read for a key the cache does not hold, guarded by the failed-auth limits. */
async function lookUp(env: Env, hash: string, address: string, now: number): Promise<AuthRecord> {
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
  const startedAt = Date.now();
  const answer = await (await registryClient(env)).read({ type: 'auth', hash, at: startedAt });
  cache.observe(answer.authVersion, startedAt, { hash, record: answer.record });
  if (!answer.record) {
    recordFailure(address, now, secret);
    throw incorrect();
  }
  recordSuccess(secret, now);
  return answer.record;
}
