// One simulated server: a RawNode, its "disk" (MemoryStorage survives crashes), and the KV state
// machine (volatile, rebuilt from the snapshot and the log on restart). It runs the Ready loop.
import type { Config } from '../config.ts';
import { applyConfChange, decodeConfChange } from '../confchange.ts';
import { isRaftError } from '../errors.ts';
import type { SeededRand } from '../rand.ts';
import { RawNode } from '../rawnode.ts';
import type { MemoryStorage } from '../storage.ts';
import type { ConfState, Entry, Message, NodeId } from '../types.ts';
import { NONE, StateType } from '../types.ts';
import { KvStore, decodeCommand } from './kv.ts';
import type { KvCommand, KvResult } from './kv.ts';

export interface NodeBugs {
  /** Persist the term but not the vote: a restarted node may vote twice in one term. */
  readonly voteNotPersisted?: boolean;
}

export interface NodeOptions {
  readonly id: NodeId;
  readonly raft: Omit<Config, 'id' | 'storage' | 'rand' | 'applied'>;
  /** Take a snapshot and compact once this many entries were applied since the last one. */
  readonly snapshotEvery: number;
  /** Entries kept behind a compaction point, for slow followers. */
  readonly compactionLag: number;
  readonly bugs: NodeBugs;
}

export interface NodeHooks {
  send(m: Message): void;
  /** A command was applied here; `result` is null for a duplicate. */
  applied(node: NodeId, cmd: KvCommand, result: KvResult | null): void;
  confApplied(node: NodeId, cs: ConfState, index: number): void;
  readReady(node: NodeId, ctx: string, kv: KvStore): void;
}

export class SimNode {
  readonly id: NodeId;
  readonly storage: MemoryStorage;
  readonly opts: NodeOptions;
  rn: RawNode;
  kv: KvStore;
  appliedConf: ConfState;
  applied: number;
  alive = true;
  /** Read contexts waiting for their index to be applied. */
  private readsWaiting: { index: number; ctx: string }[] = [];
  private readonly rand: SeededRand;
  private readonly hooks: NodeHooks;
  /** Time units per tick (clock skew) and the next tick time. */
  tickEvery: number;
  nextTick: number;

  constructor(
    opts: NodeOptions,
    storage: MemoryStorage,
    rand: SeededRand,
    hooks: NodeHooks,
    tickEvery: number,
    now: number,
  ) {
    this.id = opts.id;
    this.opts = opts;
    this.storage = storage;
    this.rand = rand;
    this.hooks = hooks;
    this.tickEvery = tickEvery;
    this.nextTick = now + 1 + rand.intn(tickEvery);
    const snap = storage.snapshot();
    this.kv = KvStore.restore(snap.data);
    this.appliedConf = snap.meta.confState;
    this.applied = snap.meta.index;
    this.rn = this.boot();
  }

  private boot(): RawNode {
    return new RawNode({
      ...this.opts.raft,
      id: this.id,
      storage: this.storage,
      rand: this.rand,
      applied: this.applied,
    });
  }

  crash(): void {
    this.alive = false;
    this.readsWaiting = [];
  }

  /** Restart from what was persisted only. */
  restart(now: number): void {
    const snap = this.storage.snapshot();
    this.kv = KvStore.restore(snap.data);
    this.appliedConf = snap.meta.confState;
    this.applied = snap.meta.index;
    this.readsWaiting = [];
    this.rn = this.boot();
    this.alive = true;
    this.nextTick = now + 1 + this.rand.intn(this.tickEvery);
  }

  isLeader(): boolean {
    return this.alive && this.rn.raft.state === StateType.Leader;
  }

  leader(): NodeId {
    return this.alive ? this.rn.raft.lead : NONE;
  }

  deliver(m: Message): void {
    if (!this.alive) return;
    try {
      this.rn.step(m);
    } catch (e) {
      // Dropped forwarded proposals and messages from removed peers are expected under churn.
      if (!isRaftError(e)) throw e;
    }
  }

  /** Handles every pending Ready: persist, then send, then apply, then advance. */
  process(): void {
    while (this.alive && this.rn.hasReady()) {
      const rd = this.rn.ready();
      if (rd.snapshot) this.storage.applySnapshot(rd.snapshot);
      if (rd.entries.length > 0) this.storage.append(rd.entries);
      if (rd.hardState) {
        const hs = rd.hardState;
        this.storage.setHardState(this.opts.bugs.voteNotPersisted ? { ...hs, vote: NONE } : hs);
      }
      for (const m of rd.messages) this.hooks.send(m);
      if (rd.snapshot) {
        this.kv = KvStore.restore(rd.snapshot.data);
        this.appliedConf = rd.snapshot.meta.confState;
        this.applied = rd.snapshot.meta.index;
        this.hooks.confApplied(this.id, this.appliedConf, this.applied);
      }
      for (const e of rd.committedEntries) this.applyEntry(e);
      for (const rs of rd.readStates)
        this.readsWaiting.push({ index: rs.index, ctx: ctxString(rs.context) });
      this.rn.advance();
      this.serveReads();
      this.maybeCompact();
    }
  }

  private applyEntry(e: Entry): void {
    this.applied = e.index;
    if (e.type === 'conf') {
      try {
        this.appliedConf = applyConfChange(this.appliedConf, decodeConfChange(e.data));
      } catch (err) {
        if (!isRaftError(err)) throw err;
      }
      this.hooks.confApplied(this.id, this.appliedConf, e.index);
      return;
    }
    if (e.data.length === 0) return;
    const cmd = decodeCommand(e.data);
    this.hooks.applied(this.id, cmd, this.kv.apply(cmd));
  }

  private serveReads(): void {
    if (this.readsWaiting.length === 0) return;
    const keep: { index: number; ctx: string }[] = [];
    for (const r of this.readsWaiting) {
      if (r.index <= this.applied) this.hooks.readReady(this.id, r.ctx, this.kv);
      else keep.push(r);
    }
    this.readsWaiting = keep;
  }

  private maybeCompact(): void {
    const snapIndex = this.storage.snapshot().meta.index;
    if (this.applied - snapIndex < this.opts.snapshotEvery) return;
    this.storage.createSnapshot(this.applied, this.appliedConf, this.kv.serialize());
    const compactTo = this.applied - this.opts.compactionLag;
    if (compactTo > this.storage.firstIndex()) this.storage.compact(compactTo);
  }
}

export function ctxString(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

export function ctxBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}
