// Membership with single-server changes that take effect when appended (not when committed), as in
// the Raft dissertation §4.1. The configuration in force is the last conf entry in the log, or the
// snapshot's when there is none; truncating a conf entry reverts to the one before it.
import { applyConfChange, decodeConfChange } from './confchange.ts';
import { isRaftError } from './errors.ts';
import type { Raft } from './raft.ts';
import type { ConfState, Entry } from './types.ts';
import { NONE, StateType } from './types.ts';

interface ConfAt {
  readonly index: number;
  readonly cs: ConfState;
}

export class Membership {
  private readonly r: Raft;
  private base: ConfState = { voters: [], learners: [] };
  private changes: ConfAt[] = [];

  constructor(r: Raft) {
    this.r = r;
  }

  current(): ConfState {
    return this.changes[this.changes.length - 1]?.cs ?? this.base;
  }

  /** Index of the newest conf entry in the log, 0 when there is none after the snapshot. */
  lastChangeIndex(): number {
    return this.changes[this.changes.length - 1]?.index ?? 0;
  }

  /** Rebuilds from a snapshot's configuration and the conf entries of the log after it. */
  reload(base: ConfState, firstIndex: number): void {
    this.base = base;
    this.changes = [];
    const log = this.r.raftLog;
    if (firstIndex <= log.lastIndex())
      this.collect(log.slice(firstIndex, log.lastIndex() + 1, Number.MAX_SAFE_INTEGER));
    this.switchTo();
  }

  /** Entries were written starting at ents[0].index, replacing anything from there on. */
  onAppend(ents: readonly Entry[]): void {
    const from = ents[0]?.index;
    if (from === undefined) return;
    const before = this.changes.length;
    this.changes = this.changes.filter((c) => c.index < from);
    const truncated = this.changes.length !== before;
    if (this.collect(ents) || truncated) this.switchTo();
  }

  private collect(ents: readonly Entry[]): boolean {
    let found = false;
    for (const e of ents) {
      if (e.type !== 'conf') continue;
      try {
        this.changes.push({
          index: e.index,
          cs: applyConfChange(this.current(), decodeConfChange(e.data)),
        });
        found = true;
      } catch (err) {
        // The leader validates changes before appending; an invalid one is a no-op everywhere.
        if (!isRaftError(err)) throw err;
      }
    }
    return found;
  }

  onRestore(cs: ConfState): void {
    this.base = cs;
    this.changes = [];
    this.switchTo();
  }

  private switchTo(): void {
    const r = this.r;
    const cs = this.current();
    r.trk.applyConfState(cs, r.raftLog.lastIndex() + 1);
    r.isLearner = cs.learners.includes(r.id);
    if (r.state !== StateType.Leader) return;
    if (r.leadTransferee !== NONE && !r.trk.isVoter(r.leadTransferee)) r.leadTransferee = NONE;
    const self = r.trk.progress.get(r.id);
    if (self) self.match = r.raftLog.lastIndex();
  }
}
