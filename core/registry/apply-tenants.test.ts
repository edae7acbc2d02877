import { describe, expect, it } from 'vitest';
import { apply } from './apply.ts';
import { cacheEpoch } from './lookups.ts';
import { emptyState } from './state.ts';
import { build, hashOf } from './testing.ts';
import { listTenants } from './views.ts';

const key = (n: number, tenant: string) =>
  ({ v: 1, type: 'key.create', hash: hashOf(n), tenant, name: 'k', limits: {}, at: 5 }) as const;

describe('tenant.upsert', () => {
  it('creates a tenant, then replaces its limits and keeps when it was created', () => {
    const first = apply(emptyState(), {
      v: 1,
      type: 'tenant.upsert',
      tenant: 'acme',
      limits: { requestsPerMinute: 60 },
      at: 10,
    });
    expect(first.result).toEqual({
      ok: true,
      value: {
        tenant: 'acme',
        limits: { requestsPerMinute: 60 },
        keys: 0,
        createdAt: 10,
        updatedAt: 10,
      },
    });
    const second = apply(build([key(1, 'acme')], first.state), {
      v: 1,
      type: 'tenant.upsert',
      tenant: 'acme',
      limits: { tokensPerDay: 5 },
      at: 20,
    });
    expect(second.result).toEqual({
      ok: true,
      value: { tenant: 'acme', limits: { tokensPerDay: 5 }, keys: 1, createdAt: 10, updatedAt: 20 },
    });
  });
});

describe('tenant.remove', () => {
  it('removes a tenant that has no keys', () => {
    const s = build([{ v: 1, type: 'tenant.upsert', tenant: 'acme', limits: {}, at: 1 }]);
    const { state, result } = apply(s, { v: 1, type: 'tenant.remove', tenant: 'acme' });
    expect(result).toEqual({ ok: true, value: { tenant: 'acme' } });
    expect(listTenants(state)).toEqual([]);
  });

  it('refuses, changing nothing, while the tenant has keys', () => {
    const s = build([key(1, 'acme'), key(2, 'acme'), key(3, 'other')]);
    const { state, result } = apply(s, { v: 1, type: 'tenant.remove', tenant: 'acme' });
    expect(result).toEqual({
      ok: false,
      code: 'tenant_has_keys',
      message: "Tenant 'acme' still has 2 API keys; revoke them first.",
    });
    expect(state).toBe(s);
    const one = build([{ v: 1, type: 'key.revoke', id: 'key_000000000001' }], s);
    expect(apply(one, { v: 1, type: 'tenant.remove', tenant: 'acme' }).result).toMatchObject({
      message: "Tenant 'acme' still has 1 API key; revoke it first.",
    });
  });

  it('refuses an unknown tenant', () => {
    const s = emptyState();
    const { state, result } = apply(s, { v: 1, type: 'tenant.remove', tenant: 'ghost' });
    expect(result).toEqual({ ok: false, code: 'not_found', message: "No tenant 'ghost'." });
    expect(state).toBe(s);
  });

  it("keeps the tenant's cache epoch, so a namesake created later never reads its cache", () => {
    const s = build([
      { v: 1, type: 'tenant.upsert', tenant: 'acme', limits: {}, at: 1 },
      { v: 1, type: 'cacheEpoch.bump', scope: 'acme' },
      { v: 1, type: 'tenant.remove', tenant: 'acme' },
      { v: 1, type: 'tenant.upsert', tenant: 'acme', limits: {}, at: 2 },
    ]);
    expect(cacheEpoch(s, 'acme')).toBe(1);
  });
});

describe('listTenants', () => {
  it('lists by name with key counts', () => {
    const s = build([
      key(1, 'zeta'),
      { v: 1, type: 'tenant.upsert', tenant: 'alpha', limits: {}, at: 1 },
      key(2, 'zeta'),
    ]);
    expect(listTenants(s).map((t) => [t.tenant, t.keys])).toEqual([
      ['alpha', 0],
      ['zeta', 2],
    ]);
  });
});
