import { gcraRemaining, gcraResetMs } from './gcra.ts';
import type { ScopeState } from './state.ts';
import type { LimitScopes, RateLimitStatus } from './types.ts';

interface Tightest {
  readonly limit: number;
  readonly remaining: number;
  readonly resetMs: number;
}

/** The scope with the least allowance left among those that have `limit` set (ties: the first). */
function tightest(
  candidates: ReadonlyArray<{ limit: number | undefined; tat: number }>,
  now: number,
): Tightest | null {
  let best: Tightest | null = null;
  for (const { limit, tat } of candidates) {
    if (limit === undefined) continue;
    const remaining = gcraRemaining(tat, limit, now);
    if (best === null || remaining < best.remaining) {
      best = { limit, remaining, resetMs: Math.ceil(gcraResetMs(tat, now)) };
    }
  }
  return best;
}

/**
 * The per-minute limits a client should pace itself by: for requests and for tokens separately,
 * the scope (tenant or key) with the smallest remaining allowance. Budgets are not in it: OpenAI's
 * x-ratelimit-* headers describe per-minute limits only.
 */
export function rateLimitStatus(
  limits: LimitScopes,
  tenant: ScopeState,
  key: ScopeState,
  now: number,
): RateLimitStatus {
  const requests = tightest(
    [
      { limit: limits.tenant.requestsPerMinute, tat: tenant.requestsTat },
      { limit: limits.key.requestsPerMinute, tat: key.requestsTat },
    ],
    now,
  );
  const tokens = tightest(
    [
      { limit: limits.tenant.tokensPerMinute, tat: tenant.tokensTat },
      { limit: limits.key.tokensPerMinute, tat: key.tokensTat },
    ],
    now,
  );
  return {
    ...(requests && {
      limitRequests: requests.limit,
      remainingRequests: requests.remaining,
      resetRequestsMs: requests.resetMs,
    }),
    ...(tokens && {
      limitTokens: tokens.limit,
      remainingTokens: tokens.remaining,
      resetTokensMs: tokens.resetMs,
    }),
  };
}
