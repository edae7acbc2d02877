// Scenario tests on the simulated cluster. Each name says what it checks.
import { describe, expect, it } from 'vitest';
import { checkHistory } from './checker/linearizability.ts';
import { Cluster, TICK } from './sim/cluster.ts';
import type { ClusterOptions } from './sim/cluster.ts';
import { call, waitLeader } from './sim/testing.ts';
import type { NodeId } from './types.ts';
import { MessageType, NONE } from './types.ts';

const make = (o: Partial<ClusterOptions> = {}): Cluster =>
  new Cluster({ seed: 11, nodes: 3, ...o });
const others = (c: Cluster, id: NodeId): NodeId[] => c.ids().filter((x) => x !== id);

describe('elections', () => {
  it('initial election: one leader, and the term stays stable while nothing fails', () => {
    const c = make();
    const lead = waitLeader(c);
    expect(lead).not.toBe(NONE);
    const term = c.node(lead).rn.raft.term;
    const leadersPerTerm = new Map<number, Set<NodeId>>();
    for (let i = 0; i < 500 * TICK; i++) {
      c.step();
      for (const n of c.nodes.values()) {
        if (!n.isLeader()) continue;
        const s = leadersPerTerm.get(n.rn.raft.term) ?? new Set();
        s.add(n.id);
        leadersPerTerm.set(n.rn.raft.term, s);
      }
    }
    expect(c.leader()).toBe(lead);
    for (const n of c.nodes.values()) expect(n.rn.raft.term).toBe(term);
    for (const s of leadersPerTerm.values()) expect(s.size).toBe(1);
  });

  it('re-election after the leader is lost, within a few election timeouts', () => {
    const c = make({ nodes: 5 });
    const lead = waitLeader(c);
    const term = c.node(lead).rn.raft.term;
    c.crash(lead);
    const start = c.now;
    const next = waitLeader(c);
    expect(next).not.toBe(NONE);
    expect(next).not.toBe(lead);
    expect(c.node(next).rn.raft.term).toBeGreaterThan(term);
    expect((c.now - start) / TICK).toBeLessThanOrEqual(60);
  });

  it('no leader without a quorum: 2 of 5 alive never elect', () => {
    const c = make({ nodes: 5 });
    const lead = waitLeader(c);
    const down = [lead, ...others(c, lead).slice(0, 2)];
    for (const id of down) c.crash(id);
    c.runTicks(500);
    for (const n of c.nodes.values()) expect(n.isLeader()).toBe(false);
  });

  it('pre-vote: a rejoining node that was partitioned cannot disrupt the cluster', () => {
    for (const preVote of [true, false]) {
      const c = make({ raft: { preVote, checkQuorum: false } });
      const lead = waitLeader(c);
      const term = c.node(lead).rn.raft.term;
      const f = others(c, lead)[0] as NodeId;
      c.net.partition([f], others(c, f));
      c.runTicks(200);
      c.net.healAll();
      c.runTicks(50);
      if (preVote) {
        expect(c.leader()).toBe(lead);
        expect(c.node(lead).rn.raft.term).toBe(term);
        expect(c.node(f).rn.raft.term).toBe(term);
      } else {
        // Control: without pre-vote the rejoining node's inflated term deposes the leader.
        expect(c.node(c.leader() || lead).rn.raft.term).toBeGreaterThan(term);
      }
    }
  });

  it('check-quorum: an isolated leader steps down within two election timeouts', () => {
    for (const checkQuorum of [true, false]) {
      const c = make({ raft: { checkQuorum, preVote: true } });
      const lead = waitLeader(c);
      c.net.partition([lead], others(c, lead));
      c.runTicks(25);
      expect(c.node(lead).isLeader()).toBe(!checkQuorum);
    }
  });
});

describe('replication and safety', () => {
  it('agreement despite partitions and an unreliable network (loss, duplication, reordering)', () => {
    const c = make({
      nodes: 5,
      faults: { drop: 0.2, duplicate: 0.1, minDelay: 1, maxDelay: 40 },
      skew: 0.2,
    });
    const vals: string[] = [];
    for (let i = 0; i < 60; i++) {
      if (i % 10 === 3) c.net.partition([1, 2], [3, 4, 5]);
      if (i % 10 === 6) c.net.partition([5], [1, 2, 3, 4]);
      if (i % 10 === 8) c.net.healAll();
      const lead = waitLeader(c);
      const r = call(c, 1, lead === NONE ? 1 : lead, { kind: 'append', key: 'x', value: `,${i}` });
      if (r?.ret) vals.push(`${i}`);
    }
    c.net.healAll();
    c.net.faults = { drop: 0, duplicate: 0, minDelay: 1, maxDelay: 1 };
    c.runTicks(100);
    expect(c.checkLogs()).toEqual([]);
    expect(checkHistory(c.checkableHistory()).ok).toBe(true);
    expect(vals.length).toBeGreaterThan(20);
    // Every node applied the same state.
    const states = [...c.nodes.values()].map((n) => n.kv.get('x'));
    expect(new Set(states).size).toBe(1);
  });

  it('churn with concurrent clients: every append a client saw committed survives, exactly once', () => {
    const c = make({
      nodes: 5,
      faults: { drop: 0.05, duplicate: 0.05, minDelay: 1, maxDelay: 20 },
      snapshotEvery: 16,
    });
    waitLeader(c);
    const acked: string[] = [];
    let k = 0;
    const busy = new Set<number>();
    for (let round = 0; round < 40; round++) {
      if (round % 8 === 2) c.crash(c.leader() || 1);
      if (round % 8 === 5) for (const n of c.nodes.values()) if (!n.alive) c.restart(n.id);
      for (let cl = 1; cl <= 4; cl++) {
        if (busy.has(cl)) continue;
        const v = `${cl}-${++k}`;
        const lead = c.leader();
        const node = lead !== NONE ? lead : (c.ids().find((id) => c.node(id).alive) ?? 1);
        const id = c.invoke(cl, node, { kind: 'append', key: 'log', value: `,${v}` }, (o) => {
          busy.delete(cl);
          if (o.ret !== null) acked.push(v);
        });
        if (id !== null) busy.add(cl);
      }
      c.runTicks(10);
    }
    for (const n of c.nodes.values()) if (!n.alive) c.restart(n.id);
    c.runTicks(200);
    const lead = waitLeader(c);
    const r = call(c, 99, lead, { kind: 'get', key: 'log' });
    const final = (r && 'value' in r.result ? r.result.value : null) ?? '';
    const items = final.split(',').filter(Boolean);
    expect(acked.length).toBeGreaterThan(30);
    for (const v of acked) expect(items.filter((x) => x === v)).toHaveLength(1);
    expect(new Set(items).size).toBe(items.length);
    expect(checkHistory(c.checkableHistory()).ok).toBe(true);
  });

  it('persistence across full-cluster crashes: acknowledged writes survive', () => {
    const c = make();
    let lead = waitLeader(c);
    for (let i = 0; i < 20; i++)
      expect(call(c, 1, lead, { kind: 'put', key: `k${i}`, value: `v${i}` })?.ret).not.toBeNull();
    for (let round = 0; round < 3; round++) {
      for (const id of c.ids()) c.crash(id);
      c.runTicks(5);
      for (const id of c.ids()) c.restart(id);
      lead = waitLeader(c);
      expect(lead).not.toBe(NONE);
    }
    for (let i = 0; i < 20; i++) {
      const r = call(c, 2, lead, { kind: 'get', key: `k${i}` });
      expect(r?.result).toEqual({ value: `v${i}` });
    }
  });

  it('snapshot install in chunks to a follower far behind', () => {
    const c = make({ snapshotEvery: 20, compactionLag: 0, raft: { maxSnapshotChunkBytes: 64 } });
    const lead = waitLeader(c);
    const f = others(c, lead)[0] as NodeId;
    c.crash(f);
    for (let i = 0; i < 150; i++)
      call(c, 1, lead, { kind: 'put', key: `k${i % 7}`, value: `v${i}` });
    expect(c.node(lead).storage.firstIndex()).toBeGreaterThan(c.node(f).storage.lastIndex() + 1);
    c.net.resetStats();
    c.restart(f);
    c.runUntil(() => c.node(f).applied >= c.node(lead).applied, 200 * TICK);
    const snaps = c.net.stats.byType.get(MessageType.Snap) ?? 0;
    expect(snaps).toBeGreaterThan(1); // more than one chunk
    expect(c.node(f).storage.snapshot().meta.index).toBeGreaterThan(0);
    for (let i = 0; i < 7; i++)
      expect(c.node(f).kv.get(`k${i}`)).toBe(c.node(lead).kv.get(`k${i}`));
  });

  it('snapshot install completes when chunks are lost or duplicated (the leader re-sends)', () => {
    const c = make({ snapshotEvery: 20, compactionLag: 0, raft: { maxSnapshotChunkBytes: 32 } });
    const lead = waitLeader(c);
    const f = others(c, lead)[0] as NodeId;
    c.crash(f);
    for (let i = 0; i < 100; i++)
      call(c, 1, lead, { kind: 'put', key: `k${i % 5}`, value: `v${i}` });
    c.net.faults = { drop: 0.3, duplicate: 0.2, minDelay: 1, maxDelay: 20 };
    c.restart(f);
    expect(c.runUntil(() => c.node(f).applied >= c.node(lead).applied, 2_000 * TICK)).toBe(true);
    for (let i = 0; i < 5; i++)
      expect(c.node(f).kv.get(`k${i}`)).toBe(c.node(lead).kv.get(`k${i}`));
  });

  it('fast backtracking: a follower with a long divergent suffix is repaired in a few round trips', () => {
    const c = make({ nodes: 5, raft: { maxSizePerMsg: 1 << 20 } });
    const old = waitLeader(c);
    c.net.partition([old], others(c, old));
    // The isolated leader appends 50 entries that will never commit.
    for (let i = 0; i < 50; i++) c.invoke(1, old, { kind: 'put', key: 'a', value: `${i}` });
    c.runTicks(30);
    expect(c.node(old).isLeader()).toBe(false);
    expect(c.node(old).storage.lastIndex()).toBeGreaterThan(50);
    const lead = waitLeader(c);
    expect(lead).not.toBe(old);
    for (let i = 0; i < 30; i++) call(c, 2, lead, { kind: 'put', key: 'b', value: `${i}` });
    // A new leader probes `old` from its own last index, far past the divergence point.
    const next = others(c, lead).find((x) => x !== old) as NodeId;
    c.node(lead).rn.transferLeadership(next);
    c.node(lead).process();
    expect(c.runUntil(() => c.leader() === next, 20 * TICK)).toBe(true);
    call(c, 2, next, { kind: 'put', key: 'b', value: 'x' });
    let rejects = 0;
    c.net.tap = (m) => {
      if (m.type === MessageType.AppResp && m.reject && m.from === old) rejects++;
    };
    c.net.healAll();
    c.runTicks(30);
    expect(c.node(old).applied).toBe(c.node(next).applied);
    expect(c.checkLogs()).toEqual([]);
    // One rejection skips the whole divergent term instead of one entry per round trip.
    expect(rejects).toBeGreaterThan(0);
    expect(rejects).toBeLessThanOrEqual(3);
  });
});

describe('reads', () => {
  it('ReadIndex at a follower returns the latest committed value', () => {
    const c = make();
    const lead = waitLeader(c);
    call(c, 1, lead, { kind: 'put', key: 'x', value: '1' });
    const r = call(c, 2, others(c, lead)[0] as NodeId, { kind: 'get', key: 'x' });
    expect(r?.result).toEqual({ value: '1' });
  });

  it('ReadIndex at a partitioned follower does not answer', () => {
    const c = make();
    const lead = waitLeader(c);
    call(c, 1, lead, { kind: 'put', key: 'x', value: '1' });
    const f = others(c, lead)[0] as NodeId;
    c.net.partition([f], others(c, f));
    call(c, 1, lead, { kind: 'put', key: 'x', value: '2' });
    const r = call(c, 2, f, { kind: 'get', key: 'x' }, 50 * TICK);
    expect(r).toBeNull();
  });

  it('lease reads answer without a heartbeat round; safe reads need one', () => {
    const count = (readOnlyOption: 'safe' | 'lease-based'): number => {
      const c = make({ raft: { readOnlyOption, checkQuorum: true } });
      const lead = waitLeader(c);
      call(c, 1, lead, { kind: 'put', key: 'x', value: '1' });
      c.runTicks(3);
      c.net.resetStats();
      c.node(lead).rn.readIndex(new Uint8Array([1, 2]));
      const rd = c.node(lead).rn.ready();
      c.node(lead).rn.advance();
      return rd.readStates.length === 1
        ? 0
        : rd.messages.filter((m) => m.type === MessageType.Heartbeat).length;
    };
    expect(count('lease-based')).toBe(0);
    expect(count('safe')).toBe(2);
  });
});

describe('leadership transfer and membership', () => {
  it('leadership transfer hands over within an election timeout', () => {
    const c = make({ nodes: 5 });
    const lead = waitLeader(c);
    call(c, 1, lead, { kind: 'put', key: 'x', value: '1' });
    const target = others(c, lead)[2] as NodeId;
    c.node(lead).rn.transferLeadership(target);
    c.node(lead).process();
    expect(c.runUntil(() => c.leader() === target, 10 * TICK)).toBe(true);
    expect(call(c, 1, target, { kind: 'get', key: 'x' })?.result).toEqual({ value: '1' });
  });

  it('learners replicate but never vote or campaign; promotion makes them voters', () => {
    const c = make();
    const lead = waitLeader(c);
    c.addNode(4, null);
    c.node(lead).rn.proposeConfChange({ type: 'addLearner', nodeId: 4 });
    c.node(lead).process();
    call(c, 1, lead, { kind: 'put', key: 'x', value: '1' });
    c.runTicks(10);
    expect(c.node(4).kv.get('x')).toBe('1');
    expect(c.node(lead).rn.status().confState).toEqual({ voters: [1, 2, 3], learners: [4] });
    // With every voter down, the learner must not take over.
    for (const id of [1, 2, 3]) c.crash(id);
    c.runTicks(100);
    expect(c.node(4).isLeader()).toBe(false);
    expect(c.node(4).rn.raft.term).toBe(c.node(lead).rn.raft.term);
    for (const id of [1, 2, 3]) c.restart(id);
    const l2 = waitLeader(c);
    c.runTicks(5);
    c.node(l2).rn.proposeConfChange({ type: 'addVoter', nodeId: 4 });
    c.node(l2).process();
    c.runTicks(10);
    expect(c.node(l2).rn.status().confState.voters).toEqual([1, 2, 3, 4]);
  });

  it('membership changes under faults: add, promote and remove while messages drop', () => {
    const c = make({ faults: { drop: 0.1, duplicate: 0.05, minDelay: 1, maxDelay: 15 } });
    waitLeader(c);
    const steps: [string, NodeId][] = [
      ['addLearner', 4],
      ['addVoter', 4],
      ['addLearner', 5],
      ['addVoter', 5],
      ['removeNode', 1],
      ['removeNode', 2],
    ];
    c.addNode(4, null);
    c.addNode(5, null);
    let i = 0;
    for (const [type, nodeId] of steps) {
      const done = (): boolean => {
        const cs = c.latestConf.cs;
        return type === 'addLearner'
          ? cs.learners.includes(nodeId)
          : type === 'addVoter'
            ? cs.voters.includes(nodeId)
            : !cs.voters.includes(nodeId);
      };
      for (let tries = 0; tries < 50 && !done(); tries++) {
        let lead = waitLeader(c);
        if (lead === nodeId) {
          c.node(lead).rn.transferLeadership(
            others(c, lead).find((x) => c.latestConf.cs.voters.includes(x)) ?? lead,
          );
          c.node(lead).process();
          c.runTicks(20);
          lead = waitLeader(c);
        }
        try {
          c.node(lead).rn.proposeConfChange({ type: type as 'addLearner', nodeId });
        } catch {
          // dropped (a change is pending): retry
        }
        c.node(lead).process();
        c.runTicks(10);
        call(c, 1, c.leader() || lead, { kind: 'append', key: 'x', value: `,${i++}` }, 30 * TICK);
        if (tries % 5 === 4) c.crash(others(c, c.leader()).find((x) => x !== 4 && x !== 5) ?? 3);
        for (const n of c.nodes.values())
          if (!n.alive && c.latestConf.cs.voters.includes(n.id)) c.restart(n.id);
      }
      expect(done(), `${type} ${nodeId}`).toBe(true);
    }
    for (const id of [1, 2]) c.crash(id);
    c.net.faults = { drop: 0, duplicate: 0, minDelay: 1, maxDelay: 1 };
    const lead = waitLeader(c);
    expect([3, 4, 5]).toContain(lead);
    expect(call(c, 1, lead, { kind: 'put', key: 'y', value: 'ok' })?.ret).not.toBeNull();
    expect(checkHistory(c.checkableHistory()).ok).toBe(true);
    expect(c.checkLogs()).toEqual([]);
  });
});

describe('message budgets', () => {
  it('electing a leader among 3 costs at most 30 messages', () => {
    for (const preVote of [true, false]) {
      const c = make({ raft: { preVote } });
      c.runUntil(() => c.available(), 5_000);
      // Let the first append (the leader's empty entry) be acknowledged too.
      c.run(5);
      expect(c.net.stats.messages).toBeLessThanOrEqual(30);
    }
  });

  it('committing 10 entries costs at most 3x the minimum message count', () => {
    const c = make();
    const lead = waitLeader(c);
    c.runTicks(3);
    c.net.resetStats();
    for (let i = 0; i < 10; i++) call(c, 1, lead, { kind: 'put', key: 'x', value: `${i}` });
    const min = 10 * 2 * 2; // MsgApp + MsgAppResp per follower per entry
    expect(c.net.stats.messages).toBeLessThanOrEqual(3 * min);
    // Batched: one MsgApp and one reply per follower carry all ten.
    c.runTicks(3);
    c.net.resetStats();
    const before = c.node(lead).rn.raft.raftLog.committed;
    c.node(lead).rn.proposeBatch(Array.from({ length: 10 }, () => new Uint8Array(0)));
    c.node(lead).process();
    c.runUntil(() => c.node(lead).rn.raft.raftLog.committed >= before + 10, 1_000);
    const apps = c.net.stats.byType.get(MessageType.App) ?? 0;
    expect(apps + (c.net.stats.byType.get(MessageType.AppResp) ?? 0)).toBeLessThanOrEqual(3 * 4);
  });

  it('an idle cluster sends only heartbeats and replies: one per peer per heartbeat interval', () => {
    const c = make({ nodes: 5 });
    waitLeader(c);
    c.runTicks(20);
    c.net.resetStats();
    const intervals = 100;
    c.runTicks(intervals);
    const hb = c.net.stats.byType.get(MessageType.Heartbeat) ?? 0;
    const hbr = c.net.stats.byType.get(MessageType.HeartbeatResp) ?? 0;
    expect(c.net.stats.messages).toBe(hb + hbr);
    expect(hb).toBeGreaterThanOrEqual(intervals * 4 - 4);
    expect(hb).toBeLessThanOrEqual(intervals * 4 + 4);
    expect(hbr).toBe(hb);
  });
});
