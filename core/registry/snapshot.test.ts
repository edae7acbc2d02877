import { describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot } from './snapshot.ts';
import { emptyState, type RegistryState } from './state.ts';
import { build, hashOf, SAMPLES } from './testing.ts';
import { decodeUtf8, encodeUtf8 } from '../protocol/utf8.ts';

/** A state with something in every table. */
function rich(): RegistryState {
  return build([
    { v: 1, type: 'tenant.upsert', tenant: 'zeta', limits: { tokensPerDay: 10 }, at: 1 },
    SAMPLES['key.create'],
    {
      ...SAMPLES['key.create'],
      hash: hashOf(7),
      tenant: 'beta',
      scopes: ['models'],
      expiresAt: 99,
    },
    SAMPLES['node.enroll'],
    SAMPLES['node.bind'],
    { v: 1, type: 'node.enroll', hash: hashOf(4), name: 'spare', at: 2 },
    { v: 1, type: 'node.enroll', hash: hashOf(5), name: 'b', nodeId: 'gpu-0', at: 2 },
    SAMPLES['model.seen'],
    { v: 1, type: 'model.seen', ids: ['phi', 'llama3:8b'], nodeId: 'gpu-0', at: 5 },
    SAMPLES['config.set'],
    SAMPLES['route.set'],
    SAMPLES['cacheEpoch.bump'],
    { v: 1, type: 'cacheEpoch.bump', scope: 'acme' },
    SAMPLES['shards.set'],
  ]);
}

type Table = 'tenants' | 'keys' | 'nodeTokens' | 'models' | 'routes' | 'config';
type SnapshotJson = Record<string, unknown> & Record<Table, Record<string, unknown>[]>;

/** The snapshot's JSON, edited, as bytes. */
function edited(edit: (json: SnapshotJson) => void): Uint8Array {
  const json = JSON.parse(decodeUtf8(encodeSnapshot(rich())) ?? '') as SnapshotJson;
  edit(json);
  return encodeUtf8(JSON.stringify(json));
}

describe('encodeSnapshot / decodeSnapshot', () => {
  it('writes the empty state as one known text', () => {
    expect(decodeUtf8(encodeSnapshot(emptyState()))).toBe(
      '{"authVersion":0,"cacheEpochs":[],"clusterVersion":1,"config":[],"format":"proxima.registry",' +
        '"keys":[],"models":[],' +
        '"nodeTokens":[],"routes":[],"shardMaps":[],"tenants":[],"v":1}',
    );
  });

  it('restores the state it was given, derived index included; re-encoding gives the same bytes', () => {
    const state = rich();
    const bytes = encodeSnapshot(state);
    const restored = decodeSnapshot(bytes);
    expect(restored).toEqual(state);
    expect(restored.tokenOfNode).toEqual(
      new Map([
        ['gpu-1', 'ntk_000000000003'],
        ['gpu-0', 'ntk_000000000005'],
      ]),
    );
    expect(encodeSnapshot(restored)).toEqual(bytes);
  });

  it('gives equal bytes for equal states, whatever order their tables were filled in', () => {
    const t = (name: string) =>
      ({ v: 1, type: 'tenant.upsert', tenant: name, limits: {}, at: 1 }) as const;
    const a = build([t('a'), t('b'), t('c')]);
    const b = build([t('c'), t('a'), t('b')]);
    expect(encodeSnapshot(a)).toEqual(encodeSnapshot(b));
  });

  it.each([
    ['bytes that are not UTF-8', new Uint8Array([0xc3]), 'Registry snapshot: not UTF-8.'],
    ['text that is not JSON', encodeUtf8('{'), 'Registry snapshot: not JSON.'],
    [
      'an unknown version',
      edited((j) => Object.assign(j, { v: 2 })),
      /Invalid 'v': 2 is not a snapshot version this build reads \(v1\)/,
    ],
    ['another format', edited((j) => Object.assign(j, { format: 'kv' })), /Invalid 'format'/],
    ['a missing table', edited((j) => Reflect.deleteProperty(j, 'routes')), /Invalid 'routes'/],
    [
      'a table it does not know',
      edited((j) => Object.assign(j, { extra: [] })),
      /Unrecognized key/,
    ],
    [
      'a malformed hash',
      edited((j) => Object.assign(j.keys[0] as object, { hash: 'x' })),
      /Invalid 'keys\[0\].hash'/,
    ],
    [
      'a bad setting',
      edited((j) => Object.assign(j.config[0] as object, { value: -5 })),
      /setting models.memoryMs must not be negative/,
    ],
    ['a key twice', edited((j) => j.keys.push(j.keys[0]!)), /key key_000000000001 appears twice/],
    [
      'a key filed under another id',
      edited((j) => Object.assign(j.keys[0] as object, { id: 'key_00000000000f' })),
      /not filed under its hash's id/,
    ],
    [
      'a key of no tenant',
      edited((j) => j.tenants.splice(0, j.tenants.length)),
      /belongs to no tenant/,
    ],
    [
      'two tokens bound to one node',
      edited((j) => Object.assign(j.nodeTokens[1] as object, { nodeId: 'gpu-1' })),
      /bound to two tokens/,
    ],
    [
      'a chained route',
      edited((j) => j.routes.push({ alias: 'llama3:8b', target: 'x' })),
      /chains to an alias/,
    ],
    [
      'a model seen by nobody',
      edited((j) => Object.assign(j.models[0] as object, { seenBy: [] })),
      /Invalid 'models\[0\].seenBy'/,
    ],
  ])('refuses %s with a clear error', (_what, bytes, message) => {
    expect(() => decodeSnapshot(bytes)).toThrow(message);
  });
});
