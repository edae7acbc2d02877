import { quote } from '../protocol/limits.ts';
import { gcraCheck, WINDOW_MS } from './gcra.ts';
import { dayEndMs, monthEndMs } from './periods.ts';
import { periodTokens, type Lease, type LimiterState, type ScopeState } from './state.ts';
import { rateLimitStatus } from './status.ts';
import type { AcquireRequest, AcquireResult, RateLimits } from './types.ts';

export type AcquireGranted = Extract<AcquireResult, { ok: true }>;
export type AcquireDenied = Extract<AcquireResult, { ok: false }>;

/** A denial carries no state: nothing was committed, so the caller has nothing to persist. */
export type Decision =
  | { readonly ok: true; readonly result: AcquireGranted; readonly state: LimiterState }
  | { readonly ok: false; readonly result: AcquireDenied };

/** Reported first: a quota lasts until the period ends, and a too-large request never passes. */
const SEVERITY = { quota: 2, too_large: 1, rate: 0 } as const;

interface Denial {
  readonly kind: keyof typeof SEVERITY;
  readonly retryAfterMs: number;
  /** The message without its "Retry in" sentence, which states the overall retry-after. */
  readonly text: string;
}

interface ScopeCheck {
  readonly next: ScopeState;
  readonly denials: readonly Denial[];
}

/** Checks every limit of one scope without committing any; `next` is the state if all pass. */
function checkScope(
  who: string,
  limits: RateLimits,
  scope: ScopeState,
  liveLeases: number,
  tokens: number,
  now: number,
): ScopeCheck {
  const denials: Denial[] = [];
  let { requestsTat, tokensTat } = scope;

  const rpm = limits.requestsPerMinute;
  if (rpm !== undefined) {
    const check = gcraCheck(requestsTat, rpm, 1, now);
    if (check.ok) requestsTat = check.tat;
    else denials.push(rate(who, `${rpm} requests per minute`, check.retryAfterMs));
  }

  const tpm = limits.tokensPerMinute;
  if (tpm !== undefined) {
    const check = gcraCheck(tokensTat, tpm, tokens, now);
    if (check.ok) tokensTat = check.tat;
    else if (check.retryAfterMs === Infinity) {
      denials.push({
        kind: 'too_large',
        retryAfterMs: WINDOW_MS,
        text:
          `Request too large for ${who}: about ${tokens} tokens (prompt and max_tokens) exceed ` +
          `its limit of ${tpm} tokens per minute, so it can never pass. Lower max_tokens or shorten the prompt.`,
      });
    } else denials.push(rate(who, `${tpm} tokens per minute`, check.retryAfterMs));
  }

  // A lease's end is unknown (most end when the request does), so the client is told to retry soon.
  const concurrent = limits.concurrentRequests;
  if (concurrent !== undefined && liveLeases >= concurrent) {
    denials.push(rate(who, `${concurrent} concurrent requests`, 0));
  }

  const used = periodTokens(scope, now);
  if (limits.tokensPerDay !== undefined && used.day >= limits.tokensPerDay) {
    denials.push(quota(who, `${limits.tokensPerDay} tokens per day`, dayEndMs(now) - now));
  }
  if (limits.tokensPerMonth !== undefined && used.month >= limits.tokensPerMonth) {
    denials.push(quota(who, `${limits.tokensPerMonth} tokens per month`, monthEndMs(now) - now));
  }

  const next: ScopeState = {
    ...scope,
    requestsTat,
    tokensTat,
    tokensPerMinute: tpm ?? null,
  };
  return { next, denials };
}

function rate(who: string, limit: string, retryAfterMs: number): Denial {
  return { kind: 'rate', retryAfterMs, text: `Rate limit reached for ${who}: ${limit}.` };
}

function quota(who: string, limit: string, retryAfterMs: number): Denial {
  return { kind: 'quota', retryAfterMs, text: `Quota exceeded for ${who}: ${limit}.` };
}

/** Whole seconds, at least 1, as Retry-After wants them. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Checks every limit of both scopes (tenant and key) for one request and commits all of them or
 * none: a request refused by one limit consumes no other limit's allowance. Expired leases
 * (expiresAt <= now) count for nothing and are dropped from the committed state. On success the
 * request holds lease `leaseId` (supplied by the caller, who owns randomness) until released or
 * until `now + leaseMs`, and `estimatedTokens` is reserved against tokens per minute until release
 * reconciles it with what was used.
 */
export function decide(
  state: LimiterState,
  request: AcquireRequest,
  now: number,
  leaseId: string,
): Decision {
  const live = state.leases.filter((lease) => lease.expiresAt > now);
  const ofKey = live.filter((lease) => lease.keyId === request.keyId).length;
  const tokens = request.estimatedTokens;
  const { limits } = request;
  const tenant = checkScope('the tenant', limits.tenant, state.tenant, live.length, tokens, now);
  const key = checkScope(`key ${quote(request.keyId)}`, limits.key, state.key, ofKey, tokens, now);

  const denials = [...tenant.denials, ...key.denials];
  if (denials.length > 0) {
    const status = rateLimitStatus(limits, state.tenant, state.key, now);
    return { ok: false, result: denied(denials, status) };
  }
  const lease: Lease = { id: leaseId, keyId: request.keyId, expiresAt: now + request.leaseMs };
  const next: LimiterState = { tenant: tenant.next, key: key.next, leases: [...live, lease] };
  return {
    ok: true,
    result: { ok: true, leaseId, status: rateLimitStatus(limits, next.tenant, next.key, now) },
    state: next,
  };
}

/** Names the most severe denial; retry-after is the longest wait among all of them. */
function denied(denials: readonly Denial[], status: AcquireDenied['status']): AcquireDenied {
  let worst = denials[0] as Denial;
  let waitMs = 0;
  for (const d of denials) {
    waitMs = Math.max(waitMs, d.retryAfterMs);
    const severer = SEVERITY[d.kind] > SEVERITY[worst.kind];
    if (
      severer ||
      (SEVERITY[d.kind] === SEVERITY[worst.kind] && d.retryAfterMs > worst.retryAfterMs)
    )
      worst = d;
  }
  const seconds = retryAfterSeconds(waitMs);
  return {
    ok: false,
    code: worst.kind === 'quota' ? 'insufficient_quota' : 'rate_limit_exceeded',
    message: worst.kind === 'too_large' ? worst.text : `${worst.text} Retry in ${seconds} s.`,
    retryAfterSeconds: seconds,
    status,
  };
}
