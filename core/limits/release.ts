import { gcraAdjust } from './gcra.ts';
import { dayKey, monthKey } from './periods.ts';
import { periodTokens, type LimiterState, type ScopeState } from './state.ts';

/** What a finished request settles. */
export interface Settlement {
  /** The lease that acquire granted, or null when none was taken. */
  readonly leaseId: string | null;
  readonly keyId: string;
  /** Tokens that acquire reserved; ignored without a lease, since nothing was reserved. */
  readonly estimatedTokens: number;
  /** Prompt plus completion tokens really used. */
  readonly actualTokens: number;
}

function settleScope(scope: ScopeState, delta: number, actual: number, now: number): ScopeState {
  const used = periodTokens(scope, now);
  return {
    ...scope,
    tokensTat:
      scope.tokensPerMinute === null
        ? scope.tokensTat
        : gcraAdjust(scope.tokensTat, scope.tokensPerMinute, delta, now),
    day: dayKey(now),
    dayTokens: used.day + actual,
    month: monthKey(now),
    monthTokens: used.month + actual,
  };
}

/**
 * Ends a request: frees its lease (and any expired ones), corrects tokens per minute by
 * actual - estimated in both scopes, and adds the actual tokens to both scopes' day and month
 * counters (of the period in which the request ends). The correction applies even when the lease
 * has expired meanwhile: the reservation was made all the same. Not idempotent: call it once.
 */
export function release(state: LimiterState, settlement: Settlement, now: number): LimiterState {
  const { leaseId, actualTokens } = settlement;
  const reserved = leaseId === null ? 0 : settlement.estimatedTokens;
  const delta = actualTokens - reserved;
  return {
    tenant: settleScope(state.tenant, delta, actualTokens, now),
    key: settleScope(state.key, delta, actualTokens, now),
    leases: state.leases.filter((lease) => lease.id !== leaseId && lease.expiresAt > now),
  };
}
