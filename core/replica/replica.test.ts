import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope } from './envelope.ts';
import { AppliedIds } from './applied-ids.ts';
import { decodeReplicaSnapshot, encodeReplicaSnapshot } from './snapshot.ts';
import { ascii, TestGroup } from './testing.ts';

const ids = [1, 2, 3] as const;

function appliedIds(group: TestGroup, at: number): string[] {
  return group.outputs
    .filter((o) => o.from === at)
    .flatMap((o) => o.out.applied.map((a) => ('duplicate' in a ? `dup:${a.id}` : a.id)));
}

describe('Replica', () => {
  it('elects a leader and applies a proposal on every peer, in the same state', () => {
    const g = new TestGroup(ids);
    const leader = g.electLeader();
    expect(leader.propose('p1', ascii('5'))).toEqual({ ok: true });
    g.pump();
    for (const id of ids) expect(g.replica(id).state).toBe(5);
    const result = g.outputs
      .filter((o) => o.from === leader.id)
      .flatMap((o) => o.out.applied)
      .find((a) => a.id === 'p1');
    expect(result).toEqual({ id: 'p1', result: { ok: true, value: 5 } });
  });

  it('forwards a follower’s proposal to the leader', () => {
    const g = new TestGroup(ids);
    const leader = g.electLeader();
    const follower = g.replica(ids.find((id) => id !== leader.id) ?? 1);
    expect(follower.propose('from-follower', ascii('7'))).toEqual({ ok: true });
    g.pump();
    for (const id of ids) expect(g.replica(id).state).toBe(7);
    expect(appliedIds(g, follower.id)).toContain('from-follower');
  });

  it('applies a retried proposal once and reports the retry as a duplicate', () => {
    const g = new TestGroup(ids);
    const leader = g.electLeader();
    leader.propose('same', ascii('3'));
    g.pump();
    leader.propose('same', ascii('3'));
    g.pump();
    for (const id of ids) expect(g.replica(id).state).toBe(3);
    expect(appliedIds(g, leader.id)).toEqual(['same', 'dup:same']);
  });

  it('refuses a proposal when no leader is known, naming the reason', () => {
    const g = new TestGroup(ids);
    expect(g.replica(1).propose('early', ascii('1'))).toEqual({
      ok: false,
      reason: 'no_leader',
      leader: 0,
    });
  });

  it('serves a linearizable read on a follower once its read point is applied', () => {
    const g = new TestGroup(ids);
    const leader = g.electLeader();
    leader.propose('w', ascii('9'));
    g.pump();
    const follower = g.replica(ids.find((id) => id !== leader.id) ?? 1);
    follower.read('r1');
    g.pump();
    const reads = g.outputs.filter((o) => o.from === follower.id).flatMap((o) => o.out.reads);
    expect(reads).toEqual(['r1']);
    expect(follower.state).toBe(9);
  });

  it('keeps every acknowledged write when the leader is lost, and a restarted peer catches up from storage', () => {
    const g = new TestGroup(ids);
    const first = g.electLeader();
    for (let i = 0; i < 5; i++) first.propose(`w${i}`, ascii('1'));
    g.pump();
    g.cut.add(first.id);
    const second = g.electLeader();
    expect(second.id).not.toBe(first.id);
    second.propose('after', ascii('10'));
    g.pump();
    expect(second.state).toBe(15);
    g.cut.delete(first.id);
    g.restart(first.id);
    // From its own storage alone: the committed log is replayed before any peer is heard.
    g.replica(first.id).process();
    expect(g.replica(first.id).state).toBe(5);
    g.tick(5);
    for (const id of ids) expect(g.replica(id).state).toBe(15);
  });

  it('compacts behind snapshots and brings a lagging peer back with one', () => {
    const g = new TestGroup(ids, 3, 5);
    const leader = g.electLeader();
    const lagging = ids.find((id) => id !== leader.id) ?? 1;
    g.cut.add(lagging);
    for (let i = 0; i < 30; i++) {
      leader.propose(`c${i}`, ascii('2'));
      g.pump();
    }
    expect(g.storages.get(leader.id)?.firstIndex()).toBeGreaterThan(10);
    g.cut.delete(lagging);
    g.tick(5);
    expect(g.replica(lagging).state).toBe(60);
    // Duplicates are still recognised after the snapshot.
    g.leader()?.propose('c29', ascii('2'));
    g.pump();
    expect(g.replica(lagging).state).toBe(60);
  });
});

describe('envelopes and snapshots', () => {
  it('frames an id and a command, and refuses what is not an envelope', () => {
    const bytes = encodeEnvelope('abc-1', ascii('42'));
    const env = decodeEnvelope(bytes);
    expect(env?.id).toBe('abc-1');
    expect([...(env?.command ?? [])]).toEqual([...ascii('42')]);
    expect(decodeEnvelope(new Uint8Array(0))).toBeNull();
    expect(decodeEnvelope(new Uint8Array([9, 1, 2]))).toBeNull();
    expect(() => encodeEnvelope('has space', ascii('1'))).toThrow(/proposal id/);
  });

  it('round-trips applied ids with the machine snapshot, bounded', () => {
    const idsSet = new AppliedIds(2, ['a', 'b', 'c']);
    expect(idsSet.list()).toEqual(['b', 'c']);
    const decoded = decodeReplicaSnapshot(encodeReplicaSnapshot(idsSet, ascii('77')), 2);
    expect(decoded.ids.list()).toEqual(['b', 'c']);
    expect([...decoded.machine]).toEqual([...ascii('77')]);
    expect(() => decodeReplicaSnapshot(new Uint8Array([0, 0, 0, 9, 1]), 2)).toThrow(/truncated/);
  });
});
