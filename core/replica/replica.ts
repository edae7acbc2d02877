import {
  applyConfChange,
  decodeConfChange,
  isRaftError,
  RawNode,
  RaftErrorCode,
  type Config,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type PersistentStorage,
  type Rand,
  type Snapshot,
  type Status,
} from '../raft/index.ts';
import { AppliedIds } from './applied-ids.ts';
import { decodeEnvelope, encodeEnvelope, isProposalId } from './envelope.ts';
import type { StateMachine } from './machine.ts';
import { decodeReplicaSnapshot, encodeReplicaSnapshot } from './snapshot.ts';

/** Storage a replica persists Ready batches to: one atomic write before any message leaves. */
export interface ReplicaStorage extends PersistentStorage {
  persist(batch: {
    readonly hardState: HardState | null;
    readonly entries: readonly Entry[];
    readonly snapshot: Snapshot | null;
  }): void;
}

export interface ReplicaOptions<S, R> {
  readonly id: NodeId;
  readonly storage: ReplicaStorage;
  readonly machine: StateMachine<S, R>;
  readonly rand: Rand;
  readonly raft: Omit<Config, 'id' | 'storage' | 'rand' | 'applied'>;
  /** Snapshot and compact once this many entries were applied since the last snapshot. */
  readonly snapshotEvery?: number;
  /** Entries kept behind the compaction point for slow followers. */
  readonly compactionLag?: number;
  /** Applied proposal ids remembered to drop retried duplicates. */
  readonly dedupeCapacity?: number;
}

/** What one `process()` produced, for the adapter to act on in this order. */
export interface ReplicaOutput<R> {
  /** To send, already persisted behind them. */
  readonly messages: readonly Message[];
  /** Proposals applied here, by id; `duplicate` when the id had been applied before. */
  readonly applied: ReadonlyArray<
    { readonly id: string; readonly result: R } | { readonly id: string; readonly duplicate: true }
  >;
  /** Read ids whose ReadIndex point is applied: serve them from `state` now. */
  readonly reads: readonly string[];
}

export type ProposeOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'no_leader' | 'dropped'; readonly leader: NodeId };

const DEFAULTS = { snapshotEvery: 1000, compactionLag: 100, dedupeCapacity: 10_000 } as const;

/**
 * A state machine replicated by the Raft core, driven from outside (etcd's RawNode pattern one
 * level up): the adapter feeds it ticks, messages, proposals and read requests, calls
 * `process()`, and sends what it returns. Pure: no clock, no I/O, no randomness of its own. The
 * same class runs inside a Durable Object and in tests with an in-memory network.
 */
export class Replica<S, R> {
  readonly id: NodeId;
  private readonly options: ReplicaOptions<S, R>;
  private readonly storage: ReplicaStorage;
  private readonly machine: StateMachine<S, R>;
  private rn: RawNode;
  private current: S;
  private ids: AppliedIds;
  private conf: ConfState;
  private appliedIndex: number;
  private readsWaiting: Array<{ readonly index: number; readonly id: string }> = [];

  constructor(options: ReplicaOptions<S, R>) {
    this.options = options;
    this.id = options.id;
    this.storage = options.storage;
    this.machine = options.machine;
    const snap = this.storage.snapshot();
    const restored = this.restore(snap.data);
    this.current = restored.state;
    this.ids = restored.ids;
    this.conf = snap.meta.confState;
    this.appliedIndex = snap.meta.index;
    this.rn = new RawNode({
      ...options.raft,
      id: options.id,
      storage: options.storage,
      rand: options.rand,
      applied: this.appliedIndex,
    });
  }

  get state(): S {
    return this.current;
  }

  get applied(): number {
    return this.appliedIndex;
  }

  get confState(): ConfState {
    return this.conf;
  }

  get leader(): NodeId {
    return this.rn.raft.lead;
  }

  status(): Status {
    return this.rn.status();
  }

  tick(): void {
    this.rn.tick();
  }

  campaign(): void {
    this.rn.campaign();
  }

  /** Steps a message from a peer. Messages from removed peers or stale ones are dropped. */
  step(message: Message): void {
    try {
      this.rn.step(message);
    } catch (err) {
      if (!isRaftError(err)) throw err;
    }
  }

  /** Proposes a command under an id unique to this proposal (a retry reuses it). */
  propose(id: string, command: Uint8Array): ProposeOutcome {
    if (!isProposalId(id)) throw new Error('proposal id must be 1-255 printable ASCII characters');
    return this.tryPropose(() => this.rn.propose(encodeEnvelope(id, command)));
  }

  proposeConfChange(change: ConfChange): ProposeOutcome {
    return this.tryPropose(() => this.rn.proposeConfChange(change));
  }

  transferLeadership(to: NodeId): void {
    this.rn.transferLeadership(to);
  }

  /** Asks for a linearizable read point; `id` comes back in `reads` once it is applied here. */
  read(id: string): void {
    const ctx = new Uint8Array(id.length);
    for (let i = 0; i < id.length; i++) ctx[i] = id.charCodeAt(i) & 0xff;
    this.rn.readIndex(ctx);
  }

  reportUnreachable(peer: NodeId): void {
    this.rn.reportUnreachable(peer);
  }

  reportSnapshot(peer: NodeId, ok: boolean): void {
    this.rn.reportSnapshot(peer, ok);
  }

  /** Handles every pending Ready: persist, then hand out messages, then apply, then advance. */
  process(): ReplicaOutput<R> {
    const messages: Message[] = [];
    const applied: Array<{ id: string; result: R } | { id: string; duplicate: true }> = [];
    const reads: string[] = [];
    while (this.rn.hasReady()) {
      const rd = this.rn.ready();
      this.storage.persist({
        hardState: rd.hardState,
        entries: rd.entries,
        snapshot: rd.snapshot,
      });
      messages.push(...rd.messages);
      if (rd.snapshot) this.installSnapshot(rd.snapshot);
      for (const entry of rd.committedEntries) {
        const outcome = this.applyEntry(entry);
        if (outcome) applied.push(outcome);
      }
      for (const rs of rd.readStates) {
        let id = '';
        for (const b of rs.context) id += String.fromCharCode(b);
        this.readsWaiting.push({ index: rs.index, id });
      }
      this.rn.advance();
      this.serveReads(reads);
      this.maybeCompact();
    }
    return { messages, applied, reads };
  }

  private tryPropose(propose: () => void): ProposeOutcome {
    if (this.rn.raft.lead === 0) return { ok: false, reason: 'no_leader', leader: 0 };
    try {
      propose();
      return { ok: true };
    } catch (err) {
      if (isRaftError(err, RaftErrorCode.ProposalDropped))
        return { ok: false, reason: 'dropped', leader: this.rn.raft.lead };
      throw err;
    }
  }

  private applyEntry(entry: Entry): ReplicaOutput<R>['applied'][number] | null {
    this.appliedIndex = entry.index;
    if (entry.type === 'conf') {
      try {
        this.conf = applyConfChange(this.conf, decodeConfChange(entry.data));
      } catch (err) {
        if (!isRaftError(err)) throw err;
      }
      return null;
    }
    const envelope = decodeEnvelope(entry.data);
    if (!envelope) return null; // a new leader's empty entry
    if (this.ids.has(envelope.id)) return { id: envelope.id, duplicate: true };
    const { state, result } = this.machine.apply(this.current, envelope.command);
    this.current = state;
    this.ids.add(envelope.id);
    return { id: envelope.id, result };
  }

  private installSnapshot(snap: Snapshot): void {
    const restored = this.restore(snap.data);
    this.current = restored.state;
    this.ids = restored.ids;
    this.conf = snap.meta.confState;
    this.appliedIndex = snap.meta.index;
  }

  private restore(data: Uint8Array): { state: S; ids: AppliedIds } {
    const capacity = this.options.dedupeCapacity ?? DEFAULTS.dedupeCapacity;
    if (data.length === 0) return { state: this.machine.initial, ids: new AppliedIds(capacity) };
    const { ids, machine } = decodeReplicaSnapshot(data, capacity);
    return { state: this.machine.restore(machine), ids };
  }

  private serveReads(into: string[]): void {
    if (this.readsWaiting.length === 0) return;
    const keep: Array<{ index: number; id: string }> = [];
    for (const r of this.readsWaiting) {
      if (r.index <= this.appliedIndex) into.push(r.id);
      else keep.push(r);
    }
    this.readsWaiting = keep;
  }

  private maybeCompact(): void {
    const every = this.options.snapshotEvery ?? DEFAULTS.snapshotEvery;
    const lag = this.options.compactionLag ?? DEFAULTS.compactionLag;
    const snapIndex = this.storage.snapshot().meta.index;
    if (this.appliedIndex - snapIndex < every) return;
    const data = encodeReplicaSnapshot(this.ids, this.machine.snapshot(this.current));
    this.storage.createSnapshot(this.appliedIndex, this.conf, data);
    const compactTo = this.appliedIndex - lag;
    if (compactTo > this.storage.firstIndex()) this.storage.compact(compactTo);
  }
}
