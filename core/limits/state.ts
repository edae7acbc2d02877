/** What the limiter remembers between requests: pure data that the Limiter DO persists. */

import { dayKey, monthKey } from './periods.ts';

/** A request in flight, counted against concurrent-request limits until released or expired. */
export interface Lease {
  readonly id: string;
  readonly keyId: string;
  /** The lease is dead from this instant on (ms since epoch). */
  readonly expiresAt: number;
}

/** One scope's counters: the tenant's, or one key's. */
export interface ScopeState {
  /** GCRA theoretical arrival times (ms since epoch); 0 for a scope never limited. */
  readonly requestsTat: number;
  readonly tokensTat: number;
  /**
   * The tokens-per-minute limit last applied to `tokensTat`: release turns tokens into time with
   * it, since a release does not carry limits. Null when that scope had no such limit.
   */
  readonly tokensPerMinute: number | null;
  /** Tokens used in UTC day `day` ("2026-11-30") and UTC month `month` ("2026-11"). */
  readonly day: string;
  readonly dayTokens: number;
  readonly month: string;
  readonly monthTokens: number;
}

export const FRESH_SCOPE: ScopeState = {
  requestsTat: 0,
  tokensTat: 0,
  tokensPerMinute: null,
  day: '',
  dayTokens: 0,
  month: '',
  monthTokens: 0,
};

/** Both scopes of one request, and every lease of the tenant (all keys). */
export interface LimiterState {
  readonly tenant: ScopeState;
  readonly key: ScopeState;
  readonly leases: readonly Lease[];
}

/** Tokens used so far in the current UTC day and month: a counter of a past period reads 0. */
export function periodTokens(scope: ScopeState, now: number): { day: number; month: number } {
  return {
    day: scope.day === dayKey(now) ? scope.dayTokens : 0,
    month: scope.month === monthKey(now) ? scope.monthTokens : 0,
  };
}
