import { describe, expect, it } from 'vitest';
import { apply } from './apply.ts';
import { cacheEpoch, shardMap } from './lookups.ts';
import { emptyState } from './state.ts';
import { build } from './testing.ts';

const bump = (scope: string) => ({ v: 1, type: 'cacheEpoch.bump', scope }) as const;
const shards = (namespace: string, version: number, ids: string[]) =>
  ({ v: 1, type: 'shards.set', namespace, version, shards: ids }) as const;

describe('cacheEpoch.bump', () => {
  it('counts per scope, from 0, with * for every tenant kept apart', () => {
    const s = build([bump('acme'), bump('acme'), bump('*')]);
    expect(cacheEpoch(s, 'acme')).toBe(2);
    expect(cacheEpoch(s, '*')).toBe(1);
    expect(cacheEpoch(s, 'other')).toBe(0);
    expect(apply(s, bump('acme')).result).toEqual({ ok: true, value: { scope: 'acme', epoch: 3 } });
  });
});

describe('shards.set', () => {
  it('starts a namespace at version 1, then takes exactly the next version', () => {
    const first = apply(emptyState(), shards('docs', 1, ['s0']));
    expect(first.result).toEqual({
      ok: true,
      value: { namespace: 'docs', version: 1, shards: ['s0'] },
    });
    const second = apply(first.state, shards('docs', 2, ['s0a', 's0b']));
    expect(shardMap(second.state, 'docs')).toEqual({ version: 2, shards: ['s0a', 's0b'] });
  });

  it('refuses any other version, changing nothing (two racing splits cannot both win)', () => {
    const s = build([shards('docs', 1, ['s0']), shards('docs', 2, ['s1', 's2'])]);
    for (const version of [1, 2, 4]) {
      const r = apply(s, shards('docs', version, ['x']));
      expect(r.result).toEqual({
        ok: false,
        code: 'version_conflict',
        message: `Shard map 'docs' is at version 2; the next must be 3, not ${version}.`,
      });
      expect(r.state).toBe(s);
    }
    const fresh = apply(emptyState(), shards('new', 2, ['x']));
    expect(fresh.result).toMatchObject({ ok: false, code: 'version_conflict' });
  });

  it('versions each namespace on its own; an unknown one has no map', () => {
    const s = build([shards('a', 1, ['x']), shards('b', 1, ['y']), shards('a', 2, ['z'])]);
    expect(shardMap(s, 'a')?.version).toBe(2);
    expect(shardMap(s, 'b')?.version).toBe(1);
    expect(shardMap(s, 'c')).toBeNull();
  });
});
