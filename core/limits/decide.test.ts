import { describe, expect, it } from 'vitest';
import { decide, type Decision } from './decide.ts';
import { release } from './release.ts';
import { FRESH_SCOPE, type LimiterState, type ScopeState } from './state.ts';
import type { AcquireRequest, LimitScopes } from './types.ts';

const NOW = Date.parse('2026-11-30T10:00:00Z');
const FRESH: LimiterState = { tenant: FRESH_SCOPE, key: FRESH_SCOPE, leases: [] };

function request(limits: Partial<LimitScopes>, over: Partial<AcquireRequest> = {}): AcquireRequest {
  return {
    keyId: 'k1',
    model: 'm',
    limits: { tenant: {}, key: {}, ...limits },
    estimatedTokens: 10,
    leaseMs: 60_000,
    ...over,
  };
}

function granted(d: Decision): LimiterState {
  if (!d.ok) throw new Error(`expected a grant, got: ${d.result.message}`);
  return d.state;
}

function refused(d: Decision) {
  if (d.ok) throw new Error('expected a denial');
  return d.result;
}

/** Acquires `n` times at `now`, returning the state after the last grant. */
function acquireTimes(state: LimiterState, req: AcquireRequest, n: number, now = NOW) {
  for (let i = 0; i < n; i++) state = granted(decide(state, req, now, `l${i}`));
  return state;
}

describe('decide', () => {
  it('grants a lease and reports no headers when no limit is set', () => {
    const d = decide(FRESH, request({}), NOW, 'lease-1');
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.result).toEqual({ ok: true, leaseId: 'lease-1', status: {} });
    expect(d.state.leases).toEqual([{ id: 'lease-1', keyId: 'k1', expiresAt: NOW + 60_000 }]);
  });

  it("refuses the key's 61st request in a minute, naming the scope and the limit", () => {
    const req = request({ key: { requestsPerMinute: 60 } });
    const state = acquireTimes(FRESH, req, 60);
    const denial = refused(decide(state, req, NOW, 'x'));
    expect(denial).toMatchObject({
      code: 'rate_limit_exceeded',
      message: "Rate limit reached for key 'k1': 60 requests per minute. Retry in 1 s.",
      retryAfterSeconds: 1,
      status: { limitRequests: 60, remainingRequests: 0, resetRequestsMs: 60_000 },
    });
    expect(decide(state, req, NOW + 1000, 'y').ok).toBe(true);
  });

  it('states the retry-after in whole seconds, rounded up', () => {
    const req = request({ tenant: { requestsPerMinute: 2 } });
    const state = acquireTimes(FRESH, req, 2);
    const denial = refused(decide(state, req, NOW + 100, 'x'));
    expect(denial.retryAfterSeconds).toBe(30);
    expect(denial.message).toBe(
      'Rate limit reached for the tenant: 2 requests per minute. Retry in 30 s.',
    );
  });

  it('reserves estimated tokens against tokens per minute', () => {
    const req = request({ key: { tokensPerMinute: 1000 } }, { estimatedTokens: 400 });
    const state = acquireTimes(FRESH, req, 2);
    const denial = refused(decide(state, req, NOW, 'x'));
    expect(denial.message).toBe(
      "Rate limit reached for key 'k1': 1000 tokens per minute. Retry in 12 s.",
    );
    expect(denial.status).toMatchObject({ limitTokens: 1000, remainingTokens: 200 });
  });

  it('refuses for ever a request whose estimate alone exceeds tokens per minute', () => {
    const denial = refused(
      decide(
        FRESH,
        request({ tenant: { tokensPerMinute: 100 } }, { estimatedTokens: 300 }),
        NOW,
        'x',
      ),
    );
    expect(denial.code).toBe('rate_limit_exceeded');
    expect(denial.message).toContain('can never pass');
    expect(denial.message).toContain('100 tokens per minute');
    expect(denial.retryAfterSeconds).toBe(60);
  });

  it('is atomic: a denial by one limit consumes no allowance of another', () => {
    const limits = { tenant: { requestsPerMinute: 10 }, key: { tokensPerMinute: 100 } };
    const big = request(limits, { estimatedTokens: 80 });
    const state = granted(decide(FRESH, big, NOW, 'a'));
    for (let i = 0; i < 20; i++) refused(decide(state, big, NOW, `no${i}`));
    const small = granted(decide(state, request(limits, { estimatedTokens: 20 }), NOW, 'b'));
    expect(small.tenant.requestsTat).toBe(NOW + 2 * 6000);
    expect(small.leases.map((l) => l.id)).toEqual(['a', 'b']);
  });

  it('counts concurrent leases per key and for the whole tenant', () => {
    const limits = { tenant: { concurrentRequests: 3 }, key: { concurrentRequests: 2 } };
    let state = acquireTimes(FRESH, request(limits), 2);
    expect(refused(decide(state, request(limits), NOW, 'x')).message).toBe(
      "Rate limit reached for key 'k1': 2 concurrent requests. Retry in 1 s.",
    );
    state = granted(
      decide({ ...state, key: FRESH_SCOPE }, request(limits, { keyId: 'k2' }), NOW, 'c'),
    );
    expect(refused(decide(state, request(limits, { keyId: 'k3' }), NOW, 'x')).message).toContain(
      'the tenant: 3 concurrent requests',
    );
  });

  it('lets leases expire at expiresAt and drops them on the next grant', () => {
    const req = request({ key: { concurrentRequests: 1 } }, { leaseMs: 5000 });
    const state = granted(decide(FRESH, req, NOW, 'old'));
    refused(decide(state, req, NOW + 4999, 'x'));
    const next = granted(decide(state, req, NOW + 5000, 'new'));
    expect(next.leases.map((l) => l.id)).toEqual(['new']);
  });

  it('frees a lease on release', () => {
    const req = request({ key: { concurrentRequests: 1 } });
    const state = granted(decide(FRESH, req, NOW, 'a'));
    const after = release(
      state,
      { leaseId: 'a', keyId: 'k1', estimatedTokens: 10, actualTokens: 5 },
      NOW,
    );
    expect(decide(after, req, NOW, 'b').ok).toBe(true);
  });

  it('answers insufficient_quota once the day budget is used, until midnight UTC', () => {
    const used: ScopeState = { ...FRESH_SCOPE, day: '2026-11-30', dayTokens: 1000 };
    const req = request({ key: { tokensPerDay: 1000 } });
    const denial = refused(decide({ ...FRESH, key: used }, req, NOW, 'x'));
    expect(denial).toMatchObject({
      code: 'insufficient_quota',
      message: "Quota exceeded for key 'k1': 1000 tokens per day. Retry in 50400 s.",
      retryAfterSeconds: 14 * 3600,
    });
    // A budget is checked against what was used: 999 of 1000 still admits any request.
    expect(decide({ ...FRESH, key: { ...used, dayTokens: 999 } }, req, NOW, 'y').ok).toBe(true);
    // Yesterday's counter is not today's.
    expect(decide({ ...FRESH, key: { ...used, day: '2026-11-29' } }, req, NOW, 'z').ok).toBe(true);
  });

  it('answers insufficient_quota for a month budget until the 1st', () => {
    const tenant: ScopeState = { ...FRESH_SCOPE, month: '2026-11', monthTokens: 5 };
    const denial = refused(
      decide({ ...FRESH, tenant }, request({ tenant: { tokensPerMonth: 5 } }), NOW, 'x'),
    );
    expect(denial.code).toBe('insufficient_quota');
    expect(denial.message).toContain('the tenant: 5 tokens per month');
    expect(denial.retryAfterSeconds).toBe(14 * 3600);
  });

  it('names the quota over a rate limit, and retries after the longest wait', () => {
    const key: ScopeState = { ...FRESH_SCOPE, day: '2026-11-30', dayTokens: 10 };
    const limits = { tenant: { requestsPerMinute: 1 }, key: { tokensPerDay: 10 } };
    const state = granted(decide(FRESH, request({ tenant: { requestsPerMinute: 1 } }), NOW, 'a'));
    const denial = refused(decide({ ...state, key }, request(limits), NOW, 'x'));
    expect(denial.code).toBe('insufficient_quota');
    expect(denial.retryAfterSeconds).toBe(14 * 3600);
  });

  it('reports the tightest scope for requests and for tokens separately', () => {
    const limits = {
      tenant: { requestsPerMinute: 100, tokensPerMinute: 1000 },
      key: { requestsPerMinute: 3, tokensPerMinute: 100_000 },
    };
    const d = decide(FRESH, request(limits, { estimatedTokens: 100 }), NOW, 'a');
    expect(d.result.status).toEqual({
      limitRequests: 3,
      remainingRequests: 2,
      resetRequestsMs: 20_000,
      limitTokens: 1000,
      remainingTokens: 900,
      resetTokensMs: 6000,
    });
  });
});
