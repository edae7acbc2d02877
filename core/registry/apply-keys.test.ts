import { describe, expect, it } from 'vitest';
import { apply } from './apply.ts';
import { authenticate } from './auth.ts';
import { emptyState } from './state.ts';
import { build, hashOf } from './testing.ts';
import { listKeys, listTenants } from './views.ts';

const H1 = hashOf(1);
const create = (over: Record<string, unknown> = {}) =>
  ({
    v: 1,
    type: 'key.create',
    hash: H1,
    tenant: 'acme',
    name: 'ci',
    limits: { requestsPerMinute: 60 },
    at: 100,
    ...over,
  }) as const;

describe('key.create', () => {
  it('stores the key under key_ + 12 hex of its hash, and authenticates it', () => {
    const { state, result } = apply(emptyState(), create());
    expect(result).toEqual({
      ok: true,
      value: {
        id: 'key_000000000001',
        tenant: 'acme',
        name: 'ci',
        createdAt: 100,
        expiresAt: null,
        limits: { requestsPerMinute: 60 },
        scopes: ['chat', 'models'],
      },
    });
    expect(authenticate(state, H1, 101)).toEqual({
      tenant: 'acme',
      keyId: 'key_000000000001',
      keyName: 'ci',
      limits: { tenant: {}, key: { requestsPerMinute: 60 } },
      scopes: ['chat', 'models'],
      expiresAt: null,
    });
  });

  it("creates a missing tenant with no limits, and leaves an existing tenant's limits alone", () => {
    const fresh = build([create()]);
    expect(listTenants(fresh)).toMatchObject([{ tenant: 'acme', limits: {}, keys: 1 }]);
    const s = build([
      { v: 1, type: 'tenant.upsert', tenant: 'acme', limits: { tokensPerDay: 9 }, at: 1 },
      create(),
    ]);
    expect(authenticate(s, H1, 101)?.limits).toEqual({
      tenant: { tokensPerDay: 9 },
      key: { requestsPerMinute: 60 },
    });
  });

  it('stores the scopes given, in one order', () => {
    const s = build([create({ scopes: ['models', 'chat'] })]);
    expect(authenticate(s, H1, 101)?.scopes).toEqual(['chat', 'models']);
  });

  it('refuses a key registered already, and a different key whose id prefix collides', () => {
    const s = build([create()]);
    const again = apply(s, create({ tenant: 'other' }));
    expect(again.result).toEqual({
      ok: false,
      code: 'key_exists',
      message: 'That key is already registered.',
    });
    expect(again.state).toBe(s);
    const collision = apply(s, create({ hash: hashOf(1, 0xbeef) }));
    expect(collision.result).toMatchObject({ ok: false, code: 'key_exists' });
    expect(collision.result.ok || collision.result.message).toMatch(/key_000000000001 is taken/);
    expect(collision.state).toBe(s);
  });

  it('refuses a key that would expire before it could be used', () => {
    const s = emptyState();
    for (const expiresAt of [100, 99]) {
      const r = apply(s, create({ expiresAt }));
      expect(r.result).toMatchObject({ ok: false, code: 'already_expired' });
      expect(r.state).toBe(s);
    }
  });
});

describe('expiry', () => {
  it('authenticates before expiresAt and never from it on; the key is still listed', () => {
    const s = build([create({ expiresAt: 1000 })]);
    expect(authenticate(s, H1, 999)).toMatchObject({ keyId: 'key_000000000001', expiresAt: 1000 });
    expect(authenticate(s, H1, 1000)).toBeNull();
    expect(authenticate(s, H1, 5000)).toBeNull();
    expect(listKeys(s)).toMatchObject([{ id: 'key_000000000001', expiresAt: 1000 }]);
  });
});

describe('authenticate', () => {
  it('answers null for an unknown hash and for one that only shares the id prefix', () => {
    const s = build([create()]);
    expect(authenticate(s, hashOf(2), 101)).toBeNull();
    expect(authenticate(s, hashOf(1, 1), 101)).toBeNull();
    expect(authenticate(s, 'not a hash', 101)).toBeNull();
  });
});

describe('key.rotate', () => {
  const H2 = hashOf(2);
  const rotate = (over: Record<string, unknown> = {}) =>
    ({ v: 1, type: 'key.rotate', id: 'key_000000000001', hash: H2, at: 200, ...over }) as const;

  it('replaces the secret: same tenant, name, limits and scopes; the old one stops working', () => {
    const s = build([create({ scopes: ['chat'], expiresAt: 10_000 })]);
    const { state, result } = apply(s, rotate());
    expect(result).toEqual({
      ok: true,
      value: {
        revoked: 'key_000000000001',
        key: {
          id: 'key_000000000002',
          tenant: 'acme',
          name: 'ci',
          createdAt: 200,
          expiresAt: 10_000,
          limits: { requestsPerMinute: 60 },
          scopes: ['chat'],
        },
      },
    });
    expect(authenticate(state, H1, 201)).toBeNull();
    expect(authenticate(state, H2, 201)).toMatchObject({ tenant: 'acme', keyName: 'ci' });
    expect(listKeys(state).map((k) => k.id)).toEqual(['key_000000000002']);
  });

  it('takes a new expiry when given one', () => {
    const s = build([create({ expiresAt: 300 })]);
    const { state } = apply(s, rotate({ expiresAt: 900 }));
    expect(authenticate(state, H2, 500)).toMatchObject({ expiresAt: 900 });
  });

  it('refuses an unknown key, a new hash in use, the same hash, and a lapsed carried expiry', () => {
    const s = build([create({ expiresAt: 150 }), create({ hash: H2, expiresAt: undefined })]);
    const cases = [
      [rotate({ id: 'key_00000000000f' }), 'not_found'],
      [rotate(), 'key_exists'],
      [rotate({ hash: H1 }), 'key_exists'],
      [rotate({ hash: hashOf(3) }), 'already_expired'],
    ] as const;
    for (const [cmd, code] of cases) {
      const r = apply(s, cmd);
      expect(r.result).toMatchObject({ ok: false, code });
      expect(r.state).toBe(s);
    }
  });
});

describe('key.revoke', () => {
  it('removes the key at once; revoking again is not found', () => {
    const s = build([create()]);
    const { state, result } = apply(s, { v: 1, type: 'key.revoke', id: 'key_000000000001' });
    expect(result).toEqual({ ok: true, value: { id: 'key_000000000001', tenant: 'acme' } });
    expect(authenticate(state, H1, 101)).toBeNull();
    const again = apply(state, { v: 1, type: 'key.revoke', id: 'key_000000000001' });
    expect(again.result).toEqual({
      ok: false,
      code: 'not_found',
      message: "No API key 'key_000000000001'.",
    });
  });
});

describe('key.setLimits', () => {
  it('replaces the limits whole', () => {
    const s = build([create()]);
    const { state, result } = apply(s, {
      v: 1,
      type: 'key.setLimits',
      id: 'key_000000000001',
      limits: { tokensPerMinute: 1000 },
    });
    expect(result).toMatchObject({ ok: true, value: { limits: { tokensPerMinute: 1000 } } });
    expect(authenticate(state, H1, 101)?.limits.key).toEqual({ tokensPerMinute: 1000 });
  });

  it('refuses an unknown key', () => {
    const r = apply(emptyState(), {
      v: 1,
      type: 'key.setLimits',
      id: 'key_000000000001',
      limits: {},
    });
    expect(r.result).toMatchObject({ ok: false, code: 'not_found' });
  });
});

describe('listKeys', () => {
  it('lists by tenant, creation time and id, and filters by tenant', () => {
    const s = build([
      create({ hash: hashOf(5), tenant: 'b', at: 1 }),
      create({ hash: hashOf(4), tenant: 'a', at: 2 }),
      create({ hash: hashOf(3), tenant: 'a', at: 1 }),
      create({ hash: hashOf(2), tenant: 'a', at: 1 }),
    ]);
    expect(listKeys(s).map((k) => k.id)).toEqual([
      'key_000000000002',
      'key_000000000003',
      'key_000000000004',
      'key_000000000005',
    ]);
    expect(listKeys(s, 'b').map((k) => k.id)).toEqual(['key_000000000005']);
    expect(listKeys(s)[0]).not.toHaveProperty('hash');
  });
});
