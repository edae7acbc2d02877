import { describe, expect, it } from 'vitest';
import { apply, AUTH_CHANGING } from './apply.ts';
import { COMMAND_TYPES, type RegistryCommandInput } from './commands.ts';
import { parseQuery, runQuery } from './queries.ts';
import { build, hashOf, SAMPLES } from './testing.ts';

const KEY = hashOf(1);
const base = () =>
  build([
    SAMPLES['tenant.upsert'],
    SAMPLES['key.create'],
    SAMPLES['node.enroll'],
    SAMPLES['node.bind'],
    SAMPLES['model.seen'],
  ]);

/** A state each command applies on, where the base state would refuse it. */
const BEFORE: Partial<Record<(typeof COMMAND_TYPES)[number], () => ReturnType<typeof base>>> = {
  'tenant.remove': () => build([SAMPLES['tenant.upsert']]),
  'key.create': () => build([]),
  'node.enroll': () => build([]),
  'node.bind': () => build([SAMPLES['node.enroll']]),
  'route.remove': () => build([SAMPLES['route.set']], base()),
};

describe('authVersion', () => {
  it('counts exactly the accepted commands that can change an existing key', () => {
    const bumped: string[] = [];
    for (const type of COMMAND_TYPES) {
      const before = BEFORE[type]?.() ?? base();
      const { state, result } = apply(before, SAMPLES[type]);
      expect(result.ok, `${type} applies on the base state`).toBe(true);
      if (state.authVersion !== before.authVersion) bumped.push(type);
      expect(state.authVersion - before.authVersion).toBeLessThanOrEqual(1);
    }
    expect(bumped.sort()).toEqual([...AUTH_CHANGING].sort());
  });

  it('does not count a refused command', () => {
    const s = base();
    const revokeUnknown: RegistryCommandInput = {
      v: 1,
      type: 'key.revoke',
      id: 'key_0000000000ff',
    };
    const { state, result } = apply(s, revokeUnknown);
    expect(result.ok).toBe(false);
    expect(state.authVersion).toBe(s.authVersion);
  });
});

describe('runQuery', () => {
  it('answers auth with the record and the version it was read at', () => {
    const s = base();
    const found = runQuery(s, { type: 'auth', hash: KEY, at: 5 });
    expect(found.record?.tenant).toBe('acme');
    expect(found.authVersion).toBe(s.authVersion);
    const revoked = build([SAMPLES['key.revoke']], s);
    const gone = runQuery(revoked, { type: 'auth', hash: KEY, at: 5 });
    expect(gone).toEqual({ record: null, authVersion: s.authVersion + 1 });
  });

  it('checks a node token against the node id it claims', () => {
    const s = base();
    expect(runQuery(s, { type: 'nodeToken', hash: hashOf(3), nodeId: 'gpu-1' })).toEqual({
      ok: true,
      tokenId: 'ntk_000000000003',
      bind: false,
    });
    expect(runQuery(s, { type: 'nodeToken', hash: hashOf(3), nodeId: 'gpu-2' })).toEqual({
      ok: false,
      reason: 'bound_elsewhere',
    });
  });

  it('lists and looks up without hashes', () => {
    const s = base();
    expect(runQuery(s, { type: 'keys', tenant: null }).map((k) => k.id)).toEqual([
      'key_000000000001',
    ]);
    expect(runQuery(s, { type: 'keys', tenant: 'other' })).toEqual([]);
    expect(runQuery(s, { type: 'key', id: 'key_000000000001' })).not.toHaveProperty('hash');
    expect(runQuery(s, { type: 'key', id: 'key_0000000000ff' })).toBeNull();
    expect(runQuery(s, { type: 'tenant', tenant: 'acme' })?.keys).toBe(1);
    expect(runQuery(s, { type: 'tenant', tenant: 'nobody' })).toBeNull();
    expect(runQuery(s, { type: 'nodeTokens' })[0]?.nodeId).toBe('gpu-1');
  });

  it('knows a model for models.memoryMs after it was last seen, and follows routes', () => {
    const s = build([{ v: 1, type: 'config.set', key: 'models.memoryMs', value: 100 }], base());
    expect(runQuery(s, { type: 'knownModel', id: 'llama3:8b', at: 103 })).toBe(true);
    expect(runQuery(s, { type: 'knownModel', id: 'llama3:8b', at: 104 })).toBe(false);
    const routed = build([SAMPLES['route.set']], s);
    expect(runQuery(routed, { type: 'route', model: 'gpt-4o' })).toBe('llama3:8b');
    expect(runQuery(routed, { type: 'route', model: 'other' })).toBe('other');
    expect(runQuery(s, { type: 'setting', key: 'models.memoryMs' })).toBe(100);
    expect(runQuery(s, { type: 'setting', key: 'models.pruneAfterMs' })).toBe(24 * 3600_000);
  });
});

describe('parseQuery', () => {
  it.each([
    [{ type: 'auth', hash: 'short', at: 1 }, /hash/],
    [{ type: 'drop tables' }, /type/],
    [{ type: 'keys', tenant: null, extra: 1 }, /extra/],
    [null, /registry query/],
  ])('refuses %j with a message naming the fault', (value, message) => {
    expect(() => parseQuery(value)).toThrow(message);
  });
});

describe('shardMap and cacheEpoch', () => {
  it('answer what the commands set, and null or 0 before any', () => {
    const s = build([
      { v: 1, type: 'shards.set', namespace: 'rag:acme:docs', version: 1, shards: ['a:docs:0'] },
      { v: 1, type: 'cacheEpoch.bump', scope: 'acme' },
      { v: 1, type: 'cacheEpoch.bump', scope: 'acme' },
    ]);
    expect(runQuery(s, parseQuery({ type: 'shardMap', namespace: 'rag:acme:docs' }))).toEqual({
      version: 1,
      shards: ['a:docs:0'],
    });
    expect(runQuery(s, parseQuery({ type: 'shardMap', namespace: 'rag:acme:other' }))).toBeNull();
    expect(runQuery(s, { type: 'shardMaps' }).map((m) => m.namespace)).toEqual(['rag:acme:docs']);
    expect(runQuery(s, parseQuery({ type: 'cacheEpoch', scope: 'acme' }))).toBe(2);
    expect(runQuery(s, parseQuery({ type: 'cacheEpoch', scope: '*' }))).toBe(0);
  });

  it('refuse a namespace outside the id rule', () => {
    expect(() => parseQuery({ type: 'shardMap', namespace: 'a b' })).toThrow(/namespace/);
  });
});
