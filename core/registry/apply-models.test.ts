import { describe, expect, it } from 'vitest';
import { apply } from './apply.ts';
import { knownModel } from './lookups.ts';
import { emptyState } from './state.ts';
import { build, hashOf } from './testing.ts';
import { listModels } from './views.ts';

const enrolled = build([
  { v: 1, type: 'node.enroll', hash: hashOf(1), name: 'a', nodeId: 'box-a', at: 0 },
  { v: 1, type: 'node.enroll', hash: hashOf(2), name: 'b', nodeId: 'box-b', at: 0 },
]);
const seen = (nodeId: string, ids: string[], at: number) =>
  ({ v: 1, type: 'model.seen', nodeId, ids, at }) as const;
const prune = (olderThan: number, at: number) =>
  ({ v: 1, type: 'model.prune', olderThan, at }) as const;
const revoke = (n: number) => ({ v: 1, type: 'node.revoke', id: `ntk_00000000000${n}` }) as const;

describe('model.seen', () => {
  it('records the models an enrolled node serves, and says which are new', () => {
    const first = apply(enrolled, seen('box-a', ['qwen', 'llama'], 100));
    expect(first.result).toEqual({ ok: true, value: { added: ['llama', 'qwen'] } });
    const second = apply(first.state, seen('box-b', ['llama', 'phi'], 200));
    expect(second.result).toEqual({ ok: true, value: { added: ['phi'] } });
    expect(listModels(second.state)).toEqual([
      { id: 'llama', firstSeen: 100, lastSeen: 200 },
      { id: 'phi', firstSeen: 200, lastSeen: 200 },
      { id: 'qwen', firstSeen: 100, lastSeen: 100 },
    ]);
  });

  it('never moves a time back (a proposer with a slower clock)', () => {
    const s = build([seen('box-a', ['llama'], 500), seen('box-a', ['llama'], 300)], enrolled);
    expect(listModels(s)).toEqual([{ id: 'llama', firstSeen: 300, lastSeen: 500 }]);
  });

  it('refuses a node that is not enrolled, or whose token is not bound yet', () => {
    const s = build([{ v: 1, type: 'node.enroll', hash: hashOf(3), name: 'c', at: 0 }], enrolled);
    for (const nodeId of ['box-z', 'box-c']) {
      const r = apply(s, seen(nodeId, ['llama'], 1));
      expect(r.result).toEqual({
        ok: false,
        code: 'unknown_node',
        message: `Node '${nodeId}' is not enrolled: no node token is bound to it.`,
      });
      expect(r.state).toBe(s);
    }
  });
});

describe('knownModel', () => {
  const s = build([seen('box-a', ['llama'], 1000)], enrolled);

  it('is true within memoryMs of the last sighting (inclusive), false after', () => {
    expect(knownModel(s, 'llama', 1000, 600)).toBe(true);
    expect(knownModel(s, 'llama', 1600, 600)).toBe(true);
    expect(knownModel(s, 'llama', 1601, 600)).toBe(false);
  });

  it('is false for a model never seen', () => {
    expect(knownModel(s, 'phi', 1000, 600)).toBe(false);
    expect(knownModel(emptyState(), 'llama', 0, 1e9)).toBe(false);
  });
});

describe('model.prune', () => {
  it('removes models no enrolled node has served since at - olderThan', () => {
    const s = build(
      [seen('box-a', ['old', 'fresh'], 100), seen('box-b', ['fresh', 'edge'], 900)],
      enrolled,
    );
    const { state, result } = apply(s, prune(500, 1400));
    expect(result).toEqual({ ok: true, value: { removed: ['old'] } });
    expect(listModels(state).map((m) => m.id)).toEqual(['edge', 'fresh']);
    // 'fresh' keeps only the sighting that is recent enough.
    expect(listModels(state).find((m) => m.id === 'fresh')).toEqual({
      id: 'fresh',
      firstSeen: 100,
      lastSeen: 900,
    });
    expect(state.models.get('fresh')?.seenBy).toEqual(new Map([['box-b', 900]]));
  });

  it('does not count a revoked node, however recent its sighting', () => {
    const s = build(
      [seen('box-a', ['solo', 'shared'], 1000), seen('box-b', ['shared'], 1000), revoke(1)],
      enrolled,
    );
    const { state, result } = apply(s, prune(500, 1100));
    expect(result).toEqual({ ok: true, value: { removed: ['solo'] } });
    expect(state.models.get('shared')?.seenBy).toEqual(new Map([['box-b', 1000]]));
  });

  it('keeps a model seen exactly at the cutoff', () => {
    const s = build([seen('box-a', ['llama'], 1000)], enrolled);
    expect(apply(s, prune(500, 1500)).result).toEqual({ ok: true, value: { removed: [] } });
    expect(apply(s, prune(499, 1500)).result).toEqual({ ok: true, value: { removed: ['llama'] } });
  });

  it('returns the same state when there is nothing to prune', () => {
    const s = build([seen('box-a', ['llama'], 1000)], enrolled);
    expect(apply(s, prune(500, 1200)).state).toBe(s);
  });
});
