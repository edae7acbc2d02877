import {
  rateLimitHeaders,
  type LimitScopes,
  type RateLimits,
  type UsageEvent,
} from '@proxima/core/limits';
import { ProximaError } from '@proxima/core/protocol';
import { limiterStub, type Env } from '../env.ts';
import type { AuthRecord } from '@proxima/core/registry';
import { bufferUsage } from './usage-buffer.ts';
import { recordTokens } from '../metrics/recording.ts';

/** A lease outlives any request: a Worker that dies mid-stream frees its slot after this. */
export const LEASE_MS = 15 * 60_000;

/** What admission gave a request, needed again to settle it. */
export interface Admission {
  readonly leaseId: string | null;
  readonly estimatedTokens: number;
  readonly started: number;
  /** x-ratelimit-* headers for the response (none when no limit applies). */
  readonly headers: Readonly<Record<string, string>>;
}

const isEmpty = (limits: RateLimits) => Object.values(limits).every((v) => v === undefined);

function hasLimits(scopes: LimitScopes): boolean {
  return !isEmpty(scopes.tenant) || !isEmpty(scopes.key);
}

/**
 * Admits a request under its tenant's and key's limits, or throws a 429 with Retry-After and
 * x-ratelimit-* headers. A tenant with no limits costs no round trip here.
 */
export async function admit(
  env: Env,
  auth: AuthRecord,
  estimatedTokens: number,
  model: string,
): Promise<Admission> {
  const started = Date.now();
  if (!hasLimits(auth.limits)) return { leaseId: null, estimatedTokens, started, headers: {} };
  const result = await limiterStub(env, auth.tenant).acquire({
    keyId: auth.keyId,
    model,
    limits: auth.limits,
    estimatedTokens,
    leaseMs: LEASE_MS,
  });
  if (!result.ok) {
    throw new ProximaError(result.code, result.message, {
      retryAfter: result.retryAfterSeconds,
      headers: rateLimitHeaders(result.status, result.retryAfterSeconds),
    });
  }
  return {
    leaseId: result.leaseId,
    estimatedTokens,
    started,
    headers: rateLimitHeaders(result.status),
  };
}

export type Outcome = Omit<UsageEvent, 'keyId' | 'latencyMs'>;

/**
 * Frees the lease (one call per request: concurrency and budgets depend on it) or buffers the
 * usage of a request that took none, after the response, off the request's critical path.
 * A failure here is logged, never surfaced: the client already has its answer.
 */
export function settle(
  ctx: { waitUntil(promise: Promise<unknown>): void },
  env: Env,
  auth: AuthRecord,
  admission: Admission,
  outcome: Outcome,
): void {
  const usage: UsageEvent = {
    ...outcome,
    keyId: auth.keyId,
    latencyMs: Math.max(0, Date.now() - admission.started),
  };
  recordTokens(ctx, env, auth.tenant, usage.backend, usage.promptTokens, usage.completionTokens);
  if (admission.leaseId === null) {
    bufferUsage(ctx, env, auth.tenant, usage);
    return;
  }
  const done = limiterStub(env, auth.tenant).release({
    leaseId: admission.leaseId,
    estimatedTokens: admission.estimatedTokens,
    usage,
  });
  ctx.waitUntil(
    Promise.resolve(done).catch((err: unknown) => console.error('usage not recorded', err)),
  );
}
