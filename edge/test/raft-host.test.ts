// ReplicaHost's batching and prompt refusals, on in-memory storage and an in-memory network (no
// Durable Object): a lone call goes at once; calls made while others wait share a Ready, one
// persist and one batch per peer; a follower forwards them to the leader in one batch.
import { bootstrap, MessageType, SeededRand, type NodeId } from '@proxima/core/raft';
import { MemoryReplicaStorage, type PeerBatch } from '@proxima/core/replica';
import { describe, expect, it } from 'vitest';
import { ascii, counterMachine } from '../../core/replica/testing.ts';
import { parseCoalesce, type Coalesce } from '../src/raft/peer/coalesce.ts';
import { DEFAULT_TIMING, ReplicaHost } from '../src/raft/peer/host.ts';

type Counter = ReplicaHost<number, { ok: boolean; value: number }>;

/** Counts the Readys persisted: each is one SQLite transaction in a Durable Object. */
class CountingStorage extends MemoryReplicaStorage {
  persists = 0;
  override persist(batch: Parameters<MemoryReplicaStorage['persist']>[0]): void {
    this.persists++;
    super.persist(batch);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Hosts wired to each other in memory; every batch a host receives is recorded. */
function group(ids: readonly NodeId[], coalesce: Coalesce, reachable = true) {
  const hosts = new Map<NodeId, Counter>();
  const storages = new Map<NodeId, CountingStorage>();
  const received: Array<{ to: NodeId; batch: PeerBatch }> = [];
  for (const id of ids) {
    const storage = new CountingStorage();
    bootstrap(storage, ids);
    storages.set(id, storage);
    const host: Counter = new ReplicaHost({
      self: id,
      storage,
      machine: counterMachine,
      rand: new SeededRand(id),
      timing: DEFAULT_TIMING,
      connect: (peer) => ({
        deliver: async (batch) => {
          await Promise.resolve(); // an RPC: never within the sender's turn
          if (!reachable) throw new Error('unreachable');
          received.push({ to: peer, batch });
          return hosts.get(peer)?.deliver(batch);
        },
      }),
      scheduleAlarm: () => {},
      track: (sending) => {
        sending.catch(() => {});
      },
      now: () => 0,
      coalesce,
    });
    hosts.set(id, host);
  }
  const host = (id: NodeId): Counter => {
    const h = hosts.get(id);
    if (!h) throw new Error(`no host ${id}`);
    return h;
  };
  const storage = (id: NodeId): CountingStorage => {
    const s = storages.get(id);
    if (!s) throw new Error(`no storage ${id}`);
    return s;
  };
  /** Peer 1 campaigns and wins; resolves once every host names it. */
  const elect = async (): Promise<void> => {
    host(1).replica.campaign();
    host(1).alarm(); // no ticks are due at now() = 0: this only pumps
    for (let i = 0; i < 100 && ids.some((id) => host(id).replica.leader !== 1); i++) await sleep(1);
    for (const id of ids) expect(host(id).replica.leader).toBe(1);
  };
  return { host, storage, received, elect };
}

describe('ReplicaHost batching', () => {
  it('a lone proposal goes at once; those made while it waits share the next Ready', async () => {
    const g = group([1], 0);
    await g.elect();
    const before = g.storage(1).persists;
    const answers = Array.from({ length: 10 }, (_, i) =>
      g.host(1).propose(`p${i}`, ascii('1'), 1000),
    );
    const first = g.storage(1).persists - before;
    expect(first).toBeGreaterThan(0); // the first was persisted before propose returned
    const outcomes = await Promise.all(answers);
    expect(outcomes.map((o) => o.ok && 'result' in o && o.result.value)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    // A single voter commits what it persisted: the other nine in at most as many Readys again.
    expect(g.storage(1).persists - before).toBeLessThanOrEqual(2 * first);
  });

  it('without batching ("off") every proposal runs its own Ready', async () => {
    const g = group([1], 'sync');
    await g.elect();
    const before = g.storage(1).persists;
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => g.host(1).propose(`p${i}`, ascii('1'), 1000)),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(g.storage(1).persists - before).toBeGreaterThanOrEqual(10);
  });

  it('a follower forwards proposals made within one turn to the leader in two batches', async () => {
    const g = group([1, 2, 3], 0);
    await g.elect();
    g.received.length = 0;
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => g.host(2).propose(`f${i}`, ascii('2'), 2000)),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const props = (r: { batch: PeerBatch }) =>
      r.batch.messages.filter((m) => m.type === MessageType.Prop).length;
    const forwarded = g.received.filter((r) => r.to === 1 && props(r) > 0);
    // The first at once, the other nine together.
    expect(forwarded.map(props)).toEqual([1, 9]);
  });

  it('a follower forwards reads made within one turn to the leader in two batches', async () => {
    const g = group([1, 2, 3], 0);
    await g.elect();
    await g.host(1).propose('w', ascii('5'), 2000);
    g.received.length = 0;
    const reads = await Promise.all(
      Array.from({ length: 8 }, () => g.host(2).read((state) => state, 2000)),
    );
    expect(reads.every((r) => r.ok && r.value === 5)).toBe(true);
    const asks = (r: { batch: PeerBatch }) =>
      r.batch.messages.filter((m) => m.type === MessageType.ReadIndex).length;
    expect(g.received.filter((r) => r.to === 1 && asks(r) > 0).map(asks)).toEqual([1, 7]);
  });
});

describe('ReplicaHost refusals', () => {
  it('a read where no leader is known is refused at once, not after its timeout', async () => {
    const g = group([1, 2, 3], 0, false);
    const started = Date.now();
    const read = await g.host(2).read((state) => state, 5000);
    expect(read).toEqual({ ok: false, reason: 'no_leader', leader: 0 });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('RAFT_BATCH_MS: "off", a timer in ms, or unset; anything else is refused', () => {
    expect(parseCoalesce(undefined)).toBe(0);
    expect(parseCoalesce('')).toBe(0);
    expect(parseCoalesce('off')).toBe('sync');
    expect(parseCoalesce('5')).toBe(5);
    for (const bad of ['-1', '101', '1.5', 'on', 'microtask'])
      expect(() => parseCoalesce(bad)).toThrow(/RAFT_BATCH_MS/);
  });
});
