import { env, evictDurableObject, runInDurableObject } from 'cloudflare:test';
import type { AcquireRequest, AcquireResult, LimitScopes, UsageEvent } from '@proxima/core/limits';
import { dayEndMs, hourStartMs } from '@proxima/core/limits';
import { describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import type { Limiter } from '../src/limiter/limiter.ts';
import { limiterStub } from '../src/env.ts';
import { unique } from './helpers.ts';

const testEnv = env as Env;

function limiter(tenant = unique('tenant')) {
  return limiterStub(testEnv, tenant);
}

function acquireReq(
  limits: Partial<LimitScopes>,
  over: Partial<AcquireRequest> = {},
): AcquireRequest {
  return {
    keyId: 'k1',
    model: 'm',
    limits: { tenant: {}, key: {}, ...limits },
    estimatedTokens: 10,
    leaseMs: 60_000,
    ...over,
  };
}

function usageEvent(over: Partial<UsageEvent> = {}): UsageEvent {
  return {
    keyId: 'k1',
    model: 'm1',
    backend: 'node:n1',
    promptTokens: 5,
    completionTokens: 7,
    cacheHit: false,
    error: null,
    latencyMs: 100,
    ...over,
  };
}

function leaseOf(result: AcquireResult): string {
  if (!result.ok) throw new Error(`expected a grant, got ${result.message}`);
  return result.leaseId;
}

describe('Limiter: rate limits', () => {
  it("refuses a key's request over its requests per minute with a 429-ready answer", async () => {
    const stub = limiter();
    const req = acquireReq({ key: { requestsPerMinute: 2 } });
    expect((await stub.acquire(req)).ok).toBe(true);
    const second = await stub.acquire(req);
    expect(second).toMatchObject({ ok: true, status: { limitRequests: 2, remainingRequests: 0 } });
    const third = await stub.acquire(req);
    expect(third).toMatchObject({
      ok: false,
      code: 'rate_limit_exceeded',
      retryAfterSeconds: 30,
      status: { limitRequests: 2, remainingRequests: 0 },
    });
    if (!third.ok) {
      expect(third.message).toBe(
        "Rate limit reached for key 'k1': 2 requests per minute. Retry in 30 s.",
      );
    }
    // Another key of the same tenant has its own allowance.
    expect((await stub.acquire({ ...req, keyId: 'k2' })).ok).toBe(true);
  });

  it("shares the tenant's limit across its keys, and keeps tenants apart", async () => {
    const stub = limiter();
    const limits = { tenant: { requestsPerMinute: 2 } };
    expect((await stub.acquire(acquireReq(limits, { keyId: 'a' }))).ok).toBe(true);
    expect((await stub.acquire(acquireReq(limits, { keyId: 'b' }))).ok).toBe(true);
    const denied = await stub.acquire(acquireReq(limits, { keyId: 'c' }));
    expect(denied.ok).toBe(false);
    if (!denied.ok) expect(denied.message).toContain('the tenant: 2 requests per minute');
    expect((await limiter().acquire(acquireReq(limits, { keyId: 'a' }))).ok).toBe(true);
  });

  it('is atomic: a request refused on tokens consumes no request allowance', async () => {
    const stub = limiter();
    const limits = { tenant: { requestsPerMinute: 5 }, key: { tokensPerMinute: 100 } };
    expect((await stub.acquire(acquireReq(limits, { estimatedTokens: 80 }))).ok).toBe(true);
    for (let i = 0; i < 3; i++) {
      expect((await stub.acquire(acquireReq(limits, { estimatedTokens: 80 }))).ok).toBe(false);
    }
    const small = await stub.acquire(acquireReq(limits, { estimatedTokens: 10 }));
    expect(small).toMatchObject({ ok: true, status: { limitRequests: 5, remainingRequests: 3 } });
  });

  it('refuses concurrent requests over the limit until a lease is released or expires', async () => {
    const stub = limiter();
    const req = acquireReq({ key: { concurrentRequests: 1 } }, { leaseMs: 300 });
    const first = leaseOf(await stub.acquire(req));
    const busy = await stub.acquire(req);
    expect(busy).toMatchObject({ ok: false, code: 'rate_limit_exceeded', retryAfterSeconds: 1 });
    await stub.release({ leaseId: first, estimatedTokens: 10, usage: usageEvent() });
    leaseOf(await stub.acquire(req)); // held, never released
    expect((await stub.acquire(req)).ok).toBe(false);
    await new Promise((r) => setTimeout(r, 350));
    expect((await stub.acquire(req)).ok).toBe(true);
  });

  it('reconciles tokens per minute with the tokens really used', async () => {
    const stub = limiter();
    const limits = { key: { tokensPerMinute: 1000 } };
    const granted = await stub.acquire(acquireReq(limits, { estimatedTokens: 600 }));
    expect(granted).toMatchObject({ ok: true, status: { remainingTokens: 400 } });
    await stub.release({
      leaseId: leaseOf(granted),
      estimatedTokens: 600,
      usage: usageEvent({ promptTokens: 40, completionTokens: 60 }),
    });
    const probe = await stub.acquire(acquireReq(limits, { estimatedTokens: 0 }));
    expect(probe.status.remainingTokens).toBeGreaterThanOrEqual(900);
    expect(probe.status.remainingTokens).toBeLessThanOrEqual(901);
  });

  it('answers insufficient_quota once a day budget is used, until midnight UTC', async () => {
    const stub = limiter();
    const limits = { tenant: { tokensPerDay: 100 } };
    const lease = leaseOf(await stub.acquire(acquireReq(limits)));
    await stub.release({
      leaseId: lease,
      estimatedTokens: 10,
      usage: usageEvent({ promptTokens: 60, completionTokens: 50 }),
    });
    const before = Date.now();
    const denied = await stub.acquire(acquireReq(limits));
    expect(denied).toMatchObject({ ok: false, code: 'insufficient_quota' });
    if (denied.ok) return;
    expect(denied.message).toMatch(/^Quota exceeded for the tenant: 100 tokens per day\. Retry in/);
    const untilMidnight = (dayEndMs(before) - before) / 1000;
    expect(Math.abs(denied.retryAfterSeconds - untilMidnight)).toBeLessThanOrEqual(2);
  });

  it('counts tokens recorded without a lease against budgets too', async () => {
    const stub = limiter();
    await stub.recordUsage(usageEvent({ promptTokens: 100, completionTokens: 0 }));
    const denied = await stub.acquire(acquireReq({ key: { tokensPerMonth: 100 } }));
    expect(denied).toMatchObject({ ok: false, code: 'insufficient_quota' });
  });
});

describe('Limiter: usage', () => {
  it('sums usage over a range, grouped by any of key, model, backend and hour', async () => {
    const tenant = unique('tenant');
    const named = limiterStub(testEnv, tenant);
    const start = Date.now();
    await named.recordUsage(usageEvent({ latencyMs: 50 }));
    await named.recordUsage(usageEvent({ model: 'm2', cacheHit: true, backend: 'cache' }));
    await named.recordUsage(
      usageEvent({ keyId: 'k2', error: 'node_failed', latencyMs: 900, completionTokens: 0 }),
    );
    const lease = leaseOf(await named.acquire(acquireReq({})));
    await named.release({ leaseId: lease, estimatedTokens: 10, usage: usageEvent() });
    const range = { from: hourStartMs(start), to: Date.now() + 1 };

    expect(await named.usage(tenant, { ...range, groupBy: [] })).toEqual([
      {
        tenant,
        requests: 4,
        promptTokens: 20,
        completionTokens: 21,
        cacheHits: 1,
        errors: 1,
        latencyMsSum: 1150,
        latencyMsMax: 900,
      },
    ]);
    const byKey = await named.usage(tenant, { ...range, groupBy: ['key'] });
    expect(byKey.map((r) => [r.keyId, r.requests, r.errors])).toEqual([
      ['k1', 3, 0],
      ['k2', 1, 1],
    ]);
    const byModelBackend = await named.usage(tenant, { ...range, groupBy: ['backend', 'model'] });
    expect(byModelBackend.map((r) => [r.model, r.backend, r.requests])).toEqual([
      ['m1', 'node:n1', 3],
      ['m2', 'cache', 1],
    ]);
    const byHour = await named.usage(tenant, { ...range, groupBy: ['hour'] });
    expect(byHour[0]?.hour).toBe(hourStartMs(start));
    expect(byHour.reduce((n, r) => n + r.requests, 0)).toBe(4);

    expect(await named.usage(tenant, { from: 0, to: hourStartMs(start), groupBy: [] })).toEqual([]);
    const empty = unique('empty');
    expect(await limiter(empty).usage(empty, { ...range, groupBy: ['key'] })).toEqual([]);
  });
});

describe('Limiter: durability and validation', () => {
  it('keeps counters and leases in SQLite across a new instance', async () => {
    const stub = limiter();
    const req = acquireReq({ key: { requestsPerMinute: 1, concurrentRequests: 5 } });
    expect((await stub.acquire(req)).ok).toBe(true);
    await evictDurableObject(stub);
    const after = await stub.acquire(req);
    expect(after).toMatchObject({ ok: false, code: 'rate_limit_exceeded' });
    const stored = await runInDurableObject(stub, (_instance, state) => ({
      version: state.storage.sql.exec('SELECT MAX(version) AS v FROM schema_version').one()['v'],
      leases: state.storage.sql.exec('SELECT COUNT(*) AS n FROM leases').one()['n'],
    }));
    expect(stored).toEqual({ version: 1, leases: 1 });
  });

  it('throws a clear error on bad input and changes no state', async () => {
    const stub = limiter();
    const limits = { key: { requestsPerMinute: 3 } };
    expect((await stub.acquire(acquireReq(limits))).ok).toBe(true);
    const bad: Array<[AcquireRequest, RegExp]> = [
      [acquireReq(limits, { estimatedTokens: -1 }), /'estimatedTokens'/],
      [acquireReq(limits, { estimatedTokens: Number.NaN }), /'estimatedTokens'/],
      [acquireReq(limits, { leaseMs: 0 }), /'leaseMs'/],
      [acquireReq(limits, { keyId: 'bad key' }), /'keyId'/],
      [acquireReq({ key: { requestsPerMinute: 0 } }), /'limits\.key\.requestsPerMinute'/],
      [acquireReq({ key: { requestPerMinute: 3 } as never }), /'limits\.key'/],
    ];
    // Called on the instance: a rejected RPC through a stub leaks an unhandled rejection in
    // vitest-pool-workers (cloudflare/workers-sdk#14736), so the throws are checked in place.
    await runInDurableObject(stub, (instance: Limiter) => {
      for (const [req, where] of bad) {
        expect(() => instance.acquire(req)).toThrow(/^Limiter\.acquire: invalid/);
        expect(() => instance.acquire(req)).toThrow(where);
      }
      expect(() =>
        instance.release({ leaseId: null, estimatedTokens: 1.5, usage: usageEvent() }),
      ).toThrow(/Limiter\.release: invalid 'estimatedTokens'/);
      expect(() => instance.recordUsage(usageEvent({ backend: 'gpu-box' }))).toThrow(
        /Limiter\.recordUsage: invalid 'backend'/,
      );
      expect(() => instance.recordUsage(usageEvent({ promptTokens: Infinity }))).toThrow(
        /'promptTokens'/,
      );
      expect(() => instance.usage('t', { from: 10, to: 5, groupBy: [] })).toThrow(
        /Limiter\.usage: invalid 'from'/,
      );
      expect(() => instance.usage('t', { from: 0, to: 5, groupBy: ['key', 'key'] })).toThrow(
        /'groupBy'/,
      );
      expect(() => instance.usage('someone-else', { from: 0, to: 5, groupBy: [] })).toThrow(
        /another tenant/,
      );
    });
    const next = await stub.acquire(acquireReq(limits));
    expect(next).toMatchObject({ ok: true, status: { remainingRequests: 1 } });
    const usage = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec('SELECT COUNT(*) AS n FROM usage_hourly').one(),
    );
    expect(usage['n']).toBe(0);
  });
});
