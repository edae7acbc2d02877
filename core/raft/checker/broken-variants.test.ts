// The checker must catch known Raft bugs. Each scenario is scripted message by message so the bug
// surfaces deterministically; the same script on the correct implementation must pass.
import { describe, expect, it } from 'vitest';
import { Cluster } from '../sim/cluster.ts';
import { runSeed } from '../sim/run.ts';
import type { ClusterOptions } from '../sim/cluster.ts';
import type { Message, NodeId } from '../types.ts';
import { MessageType } from '../types.ts';
import { checkHistory, formatViolation } from './linearizability.ts';

const between = (a: NodeId, b: NodeId) => (m: Message) =>
  (m.from === a && m.to === b) || (m.from === b && m.to === a);
const isVote = (m: Message) => m.type === MessageType.Vote || m.type === MessageType.VoteResp;

function scripted(nodes: number, extra: Partial<ClusterOptions>): Cluster {
  const c = new Cluster({
    seed: 7,
    nodes,
    ...extra,
    raft: {
      electionTick: 10_000,
      heartbeatTick: 1,
      preVote: false,
      checkQuorum: false,
      ...extra.raft,
    },
  });
  c.net.auto = false;
  return c;
}

function campaign(c: Cluster, id: NodeId): void {
  c.node(id).rn.campaign();
  c.node(id).process();
}

function heartbeat(c: Cluster, id: NodeId): void {
  c.node(id).rn.tick();
  c.node(id).process();
}

/**
 * A vote that is not persisted before it is replied to: node 3 votes for 1, crashes, forgets the
 * vote and votes for 2 in the same term. Two leaders of term 2 then commit different writes at the
 * same index, and a later read exposes it.
 */
function voteNotPersisted(bug: boolean): Cluster {
  const c = scripted(3, { bugs: { voteNotPersisted: bug } });
  campaign(c, 1);
  c.deliver((m) => isVote(m) && between(1, 3)(m));
  expect(c.node(1).isLeader()).toBe(true);
  c.drop((m) => m.from === 1 && m.to === 2);
  c.crash(3);
  c.restart(3);
  campaign(c, 2);
  c.drop((m) => m.from === 2 && m.to === 1);
  c.deliver((m) => isVote(m) && between(2, 3)(m));
  expect(c.node(2).isLeader()).toBe(bug);
  c.advance();
  c.invoke(1, 1, { kind: 'put', key: 'x', value: 'a' });
  heartbeat(c, 1);
  c.deliver(between(1, 3));
  c.advance();
  c.invoke(2, 2, { kind: 'put', key: 'x', value: 'b' });
  heartbeat(c, 2);
  c.deliver(between(2, 3));
  c.advance();
  c.invoke(3, 1, { kind: 'get', key: 'x' });
  c.deliver(between(1, 3));
  c.advance();
  c.settle();
  return c;
}

/**
 * Figure 8 of the Raft paper: leader 1 (term 4) commits an entry of term 2 by counting replicas;
 * node 5, which holds a term-3 entry at that index, is then elected and overwrites it.
 */
function figure8(bug: boolean): Cluster {
  const c = scripted(5, {
    raft: { maxSizePerMsg: 1, unsafeTestingBugs: { commitPreviousTermByCount: bug } },
  });
  campaign(c, 1);
  c.deliver();
  c.advance();
  c.invoke(1, 1, { kind: 'put', key: 'x', value: 'a' }); // index 7, term 2
  c.deliver(between(1, 2));
  c.drop((m) => m.from === 1);
  campaign(c, 5); // term 3: votes from 1 (which steps down), 3 and 4
  c.drop((m) => m.from === 5 && m.to === 2);
  c.deliver((m) => isVote(m) && m.to !== 2 && m.from !== 2);
  expect(c.node(5).isLeader()).toBe(true); // appended its own entry 7 at term 3
  c.crash(5);
  c.drop((m) => m.from === 5);
  campaign(c, 1); // term 4
  c.deliver((m) => isVote(m) && m.to !== 5 && m.from !== 5);
  expect(c.node(1).isLeader()).toBe(true);
  c.deliver(between(1, 2));
  // Node 3 rejects, is probed back to 6, receives entry 7 (term 2) alone and acknowledges it.
  c.deliver(between(1, 3), 4);
  c.drop((m) => m.from === 1);
  c.advance();
  c.crash(1);
  c.restart(5);
  campaign(c, 5); // term 4: rejected, they voted for 1
  c.deliver((m) => isVote(m) && m.from !== 1 && m.to !== 1);
  campaign(c, 5); // term 5: 3 and 4 grant
  c.deliver((m) => isVote(m) && m.from !== 1 && m.to !== 1);
  expect(c.node(5).isLeader()).toBe(true);
  c.deliver((m) => m.from !== 1 && m.to !== 1);
  c.advance();
  c.invoke(2, 5, { kind: 'get', key: 'x' });
  c.deliver((m) => m.from !== 1 && m.to !== 1);
  c.advance();
  c.settle();
  return c;
}

/** A follower cut off from the leader answers a read from its own stale state. */
function followerLocalReads(bug: boolean): Cluster {
  const c = new Cluster({ seed: 3, nodes: 3, bugs: { followerLocalReads: bug } });
  expect(c.runUntil(() => c.leader() !== 0, 10_000)).toBe(true);
  const lead = c.leader();
  const follower = c.ids().find((id) => id !== lead) as NodeId;
  c.net.partition(
    [follower],
    c.ids().filter((id) => id !== follower),
  );
  let done = false;
  c.invoke(1, lead, { kind: 'put', key: 'x', value: 'a' }, () => (done = true));
  expect(c.runUntil(() => done, 1_000)).toBe(true);
  c.run(5);
  c.invoke(2, follower, { kind: 'get', key: 'x' });
  c.run(2_000);
  c.settle();
  return c;
}

describe('random fault schedules expose a broken variant', () => {
  it('follower-local reads are flagged in most seeds', () => {
    let flagged = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const r = runSeed({ seed, bugs: { followerLocalReads: true } });
      if (r.violation?.startsWith('non-linearizable')) flagged++;
    }
    expect(flagged).toBeGreaterThanOrEqual(10);
  });
});

describe('checker catches deliberately broken Raft variants', () => {
  const cases = [
    ['vote not persisted before it is replied to', voteNotPersisted],
    ['committing a previous-term entry by counting replicas (Figure 8)', figure8],
    ['a follower serving reads without ReadIndex', followerLocalReads],
  ] as const;
  for (const [name, scenario] of cases) {
    it(`flags: ${name}`, () => {
      const res = checkHistory(scenario(true).checkableHistory());
      expect(res.ok).toBe(false);
      const v = res.violation as NonNullable<typeof res.violation>;
      const text = formatViolation(v);
      expect(text).toContain('non-linearizable history for key "x"');
      // Minimal: the anomaly needs a write and a read that contradicts it, little else.
      expect(v.ops.length).toBeLessThanOrEqual(3);
      console.log(`${name}:\n${text}`);
    });
    it(`passes the same script without the bug: ${name}`, () => {
      const c = scenario(false);
      const res = checkHistory(c.checkableHistory());
      expect(res.ok).toBe(true);
      expect(c.checkLogs()).toEqual([]);
    });
  }
});
