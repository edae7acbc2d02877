import { describe, expect, it } from 'vitest';
import { apply } from './apply.ts';
import { checkNodeToken } from './auth.ts';
import { emptyState } from './state.ts';
import { build, hashOf } from './testing.ts';
import { listNodeTokens } from './views.ts';

const T1 = hashOf(1);
const T2 = hashOf(2);
const enroll = (hash: string, nodeId?: string, at = 10) =>
  ({
    v: 1,
    type: 'node.enroll',
    hash,
    name: 'gpu',
    at,
    ...(nodeId === undefined ? {} : { nodeId }),
  }) as const;
const bind = (id: string, nodeId: string, at = 20) =>
  ({ v: 1, type: 'node.bind', id, nodeId, at }) as const;

describe('node.enroll', () => {
  it('stores an unbound token under ntk_ + 12 hex of its hash', () => {
    const { state, result } = apply(emptyState(), enroll(T1));
    expect(result).toEqual({
      ok: true,
      value: { id: 'ntk_000000000001', name: 'gpu', nodeId: null, createdAt: 10, boundAt: null },
    });
    expect(checkNodeToken(state, T1, 'box-a')).toEqual({
      ok: true,
      tokenId: 'ntk_000000000001',
      bind: true,
    });
  });

  it('binds at once when given a node id', () => {
    const s = build([enroll(T1, 'box-a')]);
    expect(listNodeTokens(s)).toEqual([
      { id: 'ntk_000000000001', name: 'gpu', nodeId: 'box-a', createdAt: 10, boundAt: 10 },
    ]);
    expect(checkNodeToken(s, T1, 'box-a')).toMatchObject({ ok: true, bind: false });
    expect(checkNodeToken(s, T1, 'box-b')).toEqual({ ok: false, reason: 'bound_elsewhere' });
  });

  it('refuses a token registered already, or whose id prefix collides', () => {
    const s = build([enroll(T1)]);
    for (const hash of [T1, hashOf(1, 9)]) {
      const r = apply(s, enroll(hash));
      expect(r.result).toMatchObject({ ok: false, code: 'token_exists' });
      expect(r.state).toBe(s);
    }
  });

  it('refuses a second token for a node id (an id cannot get a second token)', () => {
    const s = build([enroll(T1, 'box-a')]);
    const r = apply(s, enroll(T2, 'box-a'));
    expect(r.result).toEqual({
      ok: false,
      code: 'node_id_taken',
      message: "Node id 'box-a' already has a token; revoke it first.",
    });
    expect(r.state).toBe(s);
  });
});

describe('node.bind', () => {
  it('binds an unbound token on its first connection; from then on it connects only as that node', () => {
    const s = build([enroll(T1)]);
    const { state, result } = apply(s, bind('ntk_000000000001', 'box-a'));
    expect(result).toMatchObject({ ok: true, value: { nodeId: 'box-a', boundAt: 20 } });
    expect(checkNodeToken(state, T1, 'box-a')).toEqual({
      ok: true,
      tokenId: 'ntk_000000000001',
      bind: false,
    });
    expect(checkNodeToken(state, T1, 'box-b')).toEqual({ ok: false, reason: 'bound_elsewhere' });
    const other = apply(state, bind('ntk_000000000001', 'box-b'));
    expect(other.result).toEqual({
      ok: false,
      code: 'bound_elsewhere',
      message: "Node token ntk_000000000001 is bound to node 'box-a', not 'box-b'.",
    });
    expect(other.state).toBe(state);
  });

  it('accepts binding again to the same node, changing nothing (racing connections)', () => {
    const s = build([enroll(T1), bind('ntk_000000000001', 'box-a')]);
    const again = apply(s, bind('ntk_000000000001', 'box-a', 99));
    expect(again.result).toMatchObject({ ok: true, value: { boundAt: 20 } });
    expect(again.state).toBe(s);
  });

  it('refuses to bind a token to a node id that another token holds', () => {
    const s = build([enroll(T1, 'box-a'), enroll(T2)]);
    expect(checkNodeToken(s, T2, 'box-a')).toEqual({ ok: false, reason: 'id_taken' });
    const r = apply(s, bind('ntk_000000000002', 'box-a'));
    expect(r.result).toMatchObject({ ok: false, code: 'id_taken' });
    expect(r.state).toBe(s);
  });

  it('refuses an unknown token', () => {
    const r = apply(emptyState(), bind('ntk_000000000001', 'box-a'));
    expect(r.result).toMatchObject({ ok: false, code: 'not_found' });
  });
});

describe('checkNodeToken', () => {
  it('answers unknown for an unknown hash, or one that only shares the id prefix', () => {
    const s = build([enroll(T1, 'box-a')]);
    expect(checkNodeToken(s, T2, 'box-a')).toEqual({ ok: false, reason: 'unknown' });
    expect(checkNodeToken(s, hashOf(1, 1), 'box-a')).toEqual({ ok: false, reason: 'unknown' });
  });
});

describe('node.revoke', () => {
  it('removes the token, says which node to cut off, and frees the node id', () => {
    const s = build([enroll(T1, 'box-a')]);
    const { state, result } = apply(s, { v: 1, type: 'node.revoke', id: 'ntk_000000000001' });
    expect(result).toEqual({ ok: true, value: { id: 'ntk_000000000001', nodeId: 'box-a' } });
    expect(checkNodeToken(state, T1, 'box-a')).toEqual({ ok: false, reason: 'unknown' });
    const next = build([enroll(T2, 'box-a')], state);
    expect(checkNodeToken(next, T2, 'box-a')).toMatchObject({ ok: true, bind: false });
  });

  it('revokes an unbound token; refuses an unknown one', () => {
    const s = build([enroll(T1)]);
    const { state, result } = apply(s, { v: 1, type: 'node.revoke', id: 'ntk_000000000001' });
    expect(result).toEqual({ ok: true, value: { id: 'ntk_000000000001', nodeId: null } });
    const again = apply(state, { v: 1, type: 'node.revoke', id: 'ntk_000000000001' });
    expect(again.result).toMatchObject({ ok: false, code: 'not_found' });
  });
});

describe('listNodeTokens', () => {
  it('lists by creation time, then id, without hashes', () => {
    const s = build([
      enroll(hashOf(3), undefined, 5),
      enroll(T2, undefined, 1),
      enroll(T1, undefined, 5),
    ]);
    expect(listNodeTokens(s).map((t) => t.id)).toEqual([
      'ntk_000000000002',
      'ntk_000000000001',
      'ntk_000000000003',
    ]);
    expect(listNodeTokens(s)[0]).not.toHaveProperty('hash');
  });
});
