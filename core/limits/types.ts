/**
 * Tenants' and keys' limits, and what the limiter answers. Pure data: the Limiter Durable Object
 * (edge/src/limiter/) stores the state and passes the clock in.
 */

/** Limits of one scope (a tenant, or one API key). An absent field is no limit. */
export interface RateLimits {
  readonly requestsPerMinute?: number;
  readonly tokensPerMinute?: number;
  readonly concurrentRequests?: number;
  readonly tokensPerDay?: number;
  readonly tokensPerMonth?: number;
}

/** Both scopes apply to a request: the tenant's and its key's. */
export interface LimitScopes {
  readonly tenant: RateLimits;
  readonly key: RateLimits;
}

export interface AcquireRequest {
  readonly keyId: string;
  /** The model asked for: a refused request is still counted in usage, under it. */
  readonly model: string;
  readonly limits: LimitScopes;
  /** Tokens reserved against tokens-per-minute until release says what was really used. */
  readonly estimatedTokens: number;
  /** A lease not released by then is freed anyway (a Worker that died mid-request). */
  readonly leaseMs: number;
}

/** What OpenAI clients read from x-ratelimit-* headers, for the tightest scope. */
export interface RateLimitStatus {
  readonly limitRequests?: number;
  readonly remainingRequests?: number;
  /** Milliseconds until the request allowance is full again. */
  readonly resetRequestsMs?: number;
  readonly limitTokens?: number;
  readonly remainingTokens?: number;
  readonly resetTokensMs?: number;
}

export type AcquireResult =
  | { readonly ok: true; readonly leaseId: string; readonly status: RateLimitStatus }
  | {
      readonly ok: false;
      readonly code: 'rate_limit_exceeded' | 'insufficient_quota';
      /** Names the scope and the limit, e.g. "key k1: 60 requests per minute". */
      readonly message: string;
      /** Whole seconds, at least 1. */
      readonly retryAfterSeconds: number;
      readonly status: RateLimitStatus;
    };

/** One finished request, as usage records it. */
export interface UsageEvent {
  readonly keyId: string;
  readonly model: string;
  /** "node:<id>", "upstream:<name>", "cache", or "none" when nothing served it. */
  readonly backend: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cacheHit: boolean;
  /** An error class ("rate_limited", "node_failed", ...) or null for success. */
  readonly error: string | null;
  readonly latencyMs: number;
}

export interface ReleaseRequest {
  /** Null when no lease was taken (the tenant and key have no limits). */
  readonly leaseId: string | null;
  readonly estimatedTokens: number;
  readonly usage: UsageEvent;
}

/** Usage summed over a time range, grouped as asked. */
export interface UsageRow {
  readonly tenant: string;
  readonly keyId?: string;
  readonly model?: string;
  readonly backend?: string;
  /** Start of the hour bucket (ms since epoch) when grouped by hour. */
  readonly hour?: number;
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cacheHits: number;
  readonly errors: number;
  readonly latencyMsSum: number;
  readonly latencyMsMax: number;
}

export type UsageGroup = 'key' | 'model' | 'backend' | 'hour';

export interface UsageQuery {
  /** Inclusive, ms since epoch. */
  readonly from: number;
  /** Exclusive, ms since epoch. */
  readonly to: number;
  readonly groupBy: readonly UsageGroup[];
}
