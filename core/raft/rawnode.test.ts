// RawNode and the Ready contract, on a tiny hand-driven network.
import { describe, expect, it } from 'vitest';
import { bootstrap } from './bootstrap.ts';
import type { Config } from './config.ts';
import { RaftErrorCode, isRaftError } from './errors.ts';
import { SeededRand } from './rand.ts';
import { RawNode } from './rawnode.ts';
import type { Ready } from './ready.ts';
import { MemoryStorage } from './storage.ts';
import type { Message, NodeId } from './types.ts';
import { MessageType, StateType } from './types.ts';

interface TNode {
  rn: RawNode;
  storage: MemoryStorage;
  applied: number;
}

function cluster(n: number, cfg: Partial<Config> = {}): Map<NodeId, TNode> {
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const nodes = new Map<NodeId, TNode>();
  for (const id of ids) {
    const storage = new MemoryStorage();
    bootstrap(storage, ids);
    const rn = new RawNode({
      id,
      electionTick: 10,
      heartbeatTick: 1,
      storage,
      rand: new SeededRand(id),
      ...cfg,
    });
    nodes.set(id, { rn, storage, applied: 0 });
  }
  return nodes;
}

/** Handles one Ready the way the contract says: persist, then send, then apply, then advance. */
function handle(t: TNode): Ready {
  const rd = t.rn.ready();
  if (rd.snapshot) t.storage.applySnapshot(rd.snapshot);
  t.storage.append(rd.entries);
  if (rd.hardState) t.storage.setHardState(rd.hardState);
  const last = rd.committedEntries[rd.committedEntries.length - 1];
  if (last) t.applied = last.index;
  t.rn.advance();
  return rd;
}

function stabilize(
  nodes: Map<NodeId, TNode>,
  filter: (m: Message) => boolean = () => true,
): Message[] {
  const all: Message[] = [];
  for (let round = 0; round < 1000; round++) {
    const msgs: Message[] = [];
    for (const t of nodes.values()) while (t.rn.hasReady()) msgs.push(...handle(t).messages);
    if (msgs.length === 0) return all;
    all.push(...msgs);
    for (const m of msgs) {
      if (!filter(m)) continue;
      try {
        nodes.get(m.to)?.rn.step(m);
      } catch (e) {
        if (!isRaftError(e)) throw e;
      }
    }
  }
  throw new Error('did not stabilize');
}

const node = (nodes: Map<NodeId, TNode>, id: NodeId): TNode => nodes.get(id) as TNode;

describe('RawNode and Ready', () => {
  it('a granted vote is in the HardState of the same Ready that carries the reply', () => {
    const nodes = cluster(3);
    node(nodes, 1).rn.campaign();
    const rd1 = handle(node(nodes, 1));
    expect(rd1.hardState).toMatchObject({ term: 2, vote: 1 });
    const vote = rd1.messages.find((m) => m.to === 2) as Message;
    node(nodes, 2).rn.step(vote);
    const rd2 = handle(node(nodes, 2));
    expect(rd2.messages.map((m) => m.type)).toEqual([MessageType.VoteResp]);
    expect(rd2.hardState).toEqual({ term: 2, vote: 1, commit: 3 });
    expect(rd2.mustSync).toBe(true);
  });

  it('entries a follower acknowledges come in the same Ready as its acknowledgement', () => {
    const nodes = cluster(3);
    node(nodes, 1).rn.campaign();
    stabilize(nodes);
    node(nodes, 1).rn.propose(new Uint8Array([1, 2, 3]));
    const rd = handle(node(nodes, 1));
    const app = rd.messages.find((m) => m.type === MessageType.App && m.to === 2) as Message;
    expect(rd.entries.map((e) => e.index)).toEqual([5]);
    node(nodes, 2).rn.step(app);
    const rd2 = handle(node(nodes, 2));
    expect(rd2.entries.map((e) => e.index)).toEqual([5]);
    expect(rd2.messages[0]).toMatchObject({ type: MessageType.AppResp, index: 5, reject: false });
  });

  it('commits, applies in order, and refuses ready() twice without advance()', () => {
    const nodes = cluster(3);
    node(nodes, 1).rn.campaign();
    stabilize(nodes);
    for (let i = 0; i < 5; i++) node(nodes, 1).rn.propose(new Uint8Array([i]));
    stabilize(nodes);
    for (const t of nodes.values()) expect(t.applied).toBe(9);
    node(nodes, 1).rn.propose(new Uint8Array([9]));
    node(nodes, 1).rn.ready();
    expect(() => node(nodes, 1).rn.ready()).toThrow(/advance/);
  });

  it('a proposal with no known leader is dropped with a typed error', () => {
    const nodes = cluster(3);
    let err: unknown = null;
    try {
      node(nodes, 2).rn.propose(new Uint8Array([1]));
    } catch (e) {
      err = e;
    }
    expect(isRaftError(err, RaftErrorCode.ProposalDropped)).toBe(true);
  });

  it('election timeouts are randomized in [electionTick, 2 * electionTick) from the injected Rand', () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 50; seed++) {
      const storage = new MemoryStorage();
      bootstrap(storage, [1, 2, 3]);
      const rn = new RawNode({
        id: 1,
        electionTick: 10,
        heartbeatTick: 1,
        storage,
        rand: new SeededRand(seed),
      });
      const t = rn.raft.randomizedElectionTimeout;
      expect(t).toBeGreaterThanOrEqual(10);
      expect(t).toBeLessThan(20);
      seen.add(t);
    }
    expect(seen.size).toBeGreaterThan(5);
  });

  it('a single-node cluster elects itself and commits alone', () => {
    const nodes = cluster(1);
    node(nodes, 1).rn.campaign();
    node(nodes, 1).rn.propose(new Uint8Array([7]));
    stabilize(nodes);
    expect(node(nodes, 1).rn.status().softState.state).toBe(StateType.Leader);
    expect(node(nodes, 1).applied).toBe(3);
  });

  it('restart recovers term, vote, commit and configuration from storage', () => {
    const nodes = cluster(3);
    node(nodes, 1).rn.campaign();
    stabilize(nodes);
    node(nodes, 1).rn.propose(new Uint8Array([1]));
    stabilize(nodes);
    const t = node(nodes, 2);
    const again = new RawNode({
      id: 2,
      electionTick: 10,
      heartbeatTick: 1,
      storage: t.storage,
      rand: new SeededRand(9),
    });
    const st = again.status();
    expect(st.hardState).toEqual(t.rn.status().hardState);
    expect(st.confState).toEqual({ voters: [1, 2, 3], learners: [] });
  });

  it('flow control: a silent follower gets at most maxInflightMsgs appends', () => {
    const nodes = cluster(3, { maxInflightMsgs: 2, maxSizePerMsg: 1 });
    node(nodes, 1).rn.campaign();
    stabilize(nodes);
    let toSilent = 0;
    for (let i = 0; i < 10; i++) {
      node(nodes, 1).rn.propose(new Uint8Array([i]));
      const msgs = stabilize(nodes, (m) => m.to !== 3 && m.from !== 3);
      toSilent += msgs.filter(
        (m) => m.type === MessageType.App && m.to === 3 && m.entries.length > 0,
      ).length;
    }
    expect(toSilent).toBe(2);
  });

  it('regression: replication resumes after every in-flight MsgApp of a full window was lost', () => {
    const nodes = cluster(3, { maxInflightMsgs: 2, maxSizePerMsg: 1 });
    node(nodes, 1).rn.campaign();
    stabilize(nodes);
    for (let i = 0; i < 6; i++) {
      node(nodes, 1).rn.propose(new Uint8Array([i]));
      stabilize(nodes, (m) => !(m.type === MessageType.App && m.to === 3));
    }
    expect(node(nodes, 3).applied).toBeLessThan(node(nodes, 1).applied);
    for (let i = 0; i < 20; i++) {
      node(nodes, 1).rn.tick(); // heartbeats; their replies unblock the window
      stabilize(nodes);
    }
    expect(node(nodes, 3).applied).toBe(node(nodes, 1).applied);
  });

  it('flow control: the byte budget caps unacknowledged bytes per follower', () => {
    const nodes = cluster(3, { maxInflightMsgs: 100, maxSizePerMsg: 100, maxInflightBytes: 300 });
    node(nodes, 1).rn.campaign();
    stabilize(nodes);
    let bytes = 0;
    for (let i = 0; i < 20; i++) {
      node(nodes, 1).rn.propose(new Uint8Array(84)); // 100 bytes with the entry header
      const msgs = stabilize(nodes, (m) => m.to !== 3 && m.from !== 3);
      for (const m of msgs)
        if (m.type === MessageType.App && m.to === 3) bytes += m.entries.length * 100;
    }
    expect(bytes).toBe(300);
  });

  it('batching: proposals between two Readies travel in one MsgApp per follower', () => {
    const nodes = cluster(3);
    node(nodes, 1).rn.campaign();
    stabilize(nodes);
    for (let i = 0; i < 10; i++) node(nodes, 1).rn.propose(new Uint8Array([i]));
    const rd = handle(node(nodes, 1));
    const apps = rd.messages.filter((m) => m.type === MessageType.App);
    expect(apps).toHaveLength(2);
    for (const a of apps) expect(a.entries).toHaveLength(10);
  });

  it('the uncommitted byte budget drops proposals past it', () => {
    const nodes = cluster(3, { maxUncommittedEntriesSize: 1000 });
    node(nodes, 1).rn.campaign();
    stabilize(nodes);
    let dropped = 0;
    for (let i = 0; i < 30; i++) {
      try {
        node(nodes, 1).rn.propose(new Uint8Array(84));
      } catch (e) {
        if (isRaftError(e, RaftErrorCode.ProposalDropped)) dropped++;
      }
    }
    expect(dropped).toBeGreaterThan(15);
    stabilize(nodes);
    expect(() => node(nodes, 1).rn.propose(new Uint8Array(84))).not.toThrow();
  });

  it('reportUnreachable moves a pipelining follower back to probing', () => {
    const nodes = cluster(3);
    node(nodes, 1).rn.campaign();
    stabilize(nodes);
    expect(node(nodes, 1).rn.status().progress.get(2)?.state).toBe('replicate');
    node(nodes, 1).rn.reportUnreachable(2);
    expect(node(nodes, 1).rn.status().progress.get(2)?.state).toBe('probe');
  });

  it('a follower behind the compaction point gets a snapshot; reportSnapshot(failure) retries', () => {
    const nodes = cluster(3);
    node(nodes, 1).rn.campaign();
    stabilize(nodes);
    const cut = (m: Message): boolean => m.to !== 3 && m.from !== 3;
    for (let i = 0; i < 5; i++) {
      node(nodes, 1).rn.propose(new Uint8Array([i]));
      stabilize(nodes, cut);
    }
    const l = node(nodes, 1);
    l.storage.createSnapshot(l.applied, { voters: [1, 2, 3], learners: [] }, new Uint8Array([42]));
    l.storage.compact(l.applied);
    l.rn.tick();
    const sent = stabilize(nodes, (m) => m.type !== MessageType.Snap);
    expect(sent.some((m) => m.type === MessageType.Snap && m.to === 3)).toBe(true);
    expect(l.rn.status().progress.get(3)?.state).toBe('snapshot');
    l.rn.reportSnapshot(3, false);
    expect(l.rn.status().progress.get(3)?.state).toBe('probe');
    l.rn.tick();
    stabilize(nodes);
    expect(node(nodes, 3).storage.snapshot().data).toEqual(new Uint8Array([42]));
    expect(node(nodes, 3).rn.status().hardState.commit).toBe(l.rn.status().hardState.commit);
  });

  it('stepping local message types from the network is refused', () => {
    const nodes = cluster(3);
    expect(() =>
      node(nodes, 1).rn.step({ ...(stabilize(nodes)[0] as Message), type: MessageType.Hup }),
    ).toThrow();
  });
});
