import { bootstrap, SeededRand, type Message, type NodeId } from '../raft/index.ts';
import type { StateMachine } from './machine.ts';
import { MemoryReplicaStorage } from './memory-storage.ts';
import { Replica, type ReplicaOutput } from './replica.ts';

/** A counter machine for tests: commands are ASCII integers to add; "boom" is refused. */
export const counterMachine: StateMachine<number, { ok: boolean; value: number }> = {
  initial: 0,
  apply(state, command) {
    let text = '';
    for (const b of command) text += String.fromCharCode(b);
    const n = Number(text);
    if (!Number.isInteger(n)) return { state, result: { ok: false, value: state } };
    return { state: state + n, result: { ok: true, value: state + n } };
  },
  snapshot: (state) => ascii(String(state)),
  restore: (bytes) => {
    let text = '';
    for (const b of bytes) text += String.fromCharCode(b);
    return Number(text);
  },
};

export function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

type Counter = Replica<number, { ok: boolean; value: number }>;

/**
 * Replicas on an in-memory network that delivers everything at the next `pump`. `cut` drops
 * messages to and from a peer; `restart` rebuilds a peer from its storage alone.
 */
export class TestGroup {
  readonly storages = new Map<NodeId, MemoryReplicaStorage>();
  readonly replicas = new Map<NodeId, Counter>();
  readonly outputs: Array<{ from: NodeId; out: ReplicaOutput<{ ok: boolean; value: number }> }> =
    [];
  readonly cut = new Set<NodeId>();
  private queue: Message[] = [];
  private readonly seed: number;

  constructor(ids: readonly NodeId[], seed = 1, snapshotEvery = 1000) {
    this.seed = seed;
    for (const id of ids) {
      const storage = new MemoryReplicaStorage();
      bootstrap(storage, ids);
      this.storages.set(id, storage);
      this.replicas.set(id, this.make(id, storage, snapshotEvery));
    }
  }

  private make(id: NodeId, storage: MemoryReplicaStorage, snapshotEvery = 1000): Counter {
    return new Replica({
      id,
      storage,
      machine: counterMachine,
      rand: new SeededRand(this.seed * 100 + id),
      raft: { electionTick: 10, heartbeatTick: 1, checkQuorum: true, preVote: true },
      snapshotEvery,
      compactionLag: 2,
    });
  }

  replica(id: NodeId): Counter {
    const r = this.replicas.get(id);
    if (!r) throw new Error(`no replica ${id}`);
    return r;
  }

  restart(id: NodeId): void {
    const storage = this.storages.get(id);
    if (!storage) throw new Error(`no storage ${id}`);
    this.replicas.set(id, this.make(id, storage));
  }

  /** Processes every replica and delivers messages until quiet (or `rounds` run out). */
  pump(rounds = 50): void {
    for (let i = 0; i < rounds; i++) {
      for (const [id, r] of this.replicas) {
        const out = r.process();
        this.outputs.push({ from: id, out });
        this.queue.push(...out.messages);
      }
      if (this.queue.length === 0) return;
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) {
        if (this.cut.has(m.from) || this.cut.has(m.to)) continue;
        this.replicas.get(m.to)?.step(m);
      }
    }
  }

  tick(times = 1): void {
    for (let t = 0; t < times; t++) {
      for (const r of this.replicas.values()) r.tick();
      this.pump();
    }
  }

  leader(): Counter | undefined {
    return [...this.replicas.values()].find((r) => !this.cut.has(r.id) && r.leader === r.id);
  }

  electLeader(): Counter {
    for (let i = 0; i < 100; i++) {
      const leader = this.leader();
      if (leader) return leader;
      this.tick();
    }
    throw new Error('no leader elected');
  }
}
