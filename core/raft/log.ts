// The Raft log: stable entries in Storage, followed by unstable ones not yet persisted.
import { RaftError, RaftErrorCode, isRaftError } from './errors.ts';
import { Unstable } from './log-unstable.ts';
import type { Storage } from './storage.ts';
import { limitSize } from './storage.ts';
import type { Entry, Snapshot } from './types.ts';

export class RaftLog {
  readonly storage: Storage;
  readonly unstable: Unstable;
  committed: number;
  applied: number;

  constructor(storage: Storage, applied = 0) {
    this.storage = storage;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = Math.max(first - 1, applied);
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  /** Term of entry i. Throws compacted/unavailable like Storage. */
  term(i: number): number {
    const ut = this.unstable.maybeTerm(i);
    if (ut !== null) return ut;
    const dummy = this.firstIndex() - 1;
    if (i < dummy) throw new RaftError(RaftErrorCode.Compacted, `index ${i} is compacted`);
    if (i > this.lastIndex()) throw new RaftError(RaftErrorCode.Unavailable, `index ${i} > last`);
    return this.storage.term(i);
  }

  /** Term of i, or 0 when it is compacted or beyond the log (used for matching). */
  zeroTermOnOutOfBounds(i: number): number {
    try {
      return this.term(i);
    } catch (e) {
      if (isRaftError(e, RaftErrorCode.Compacted) || isRaftError(e, RaftErrorCode.Unavailable))
        return 0;
      throw e;
    }
  }

  matchTerm(i: number, t: number): boolean {
    try {
      return this.term(i) === t;
    } catch (e) {
      if (isRaftError(e)) return false;
      throw e;
    }
  }

  /**
   * Follower append. Returns null when (index, logTerm) does not match; otherwise the new last index
   * and the first index that was rewritten (0 when every entry was already present).
   */
  maybeAppend(
    index: number,
    logTerm: number,
    committed: number,
    ents: readonly Entry[],
  ): { lastNew: number; conflict: number } | null {
    if (!this.matchTerm(index, logTerm)) return null;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed) throw new Error(`entry ${ci} conflicts with committed entry`);
      this.append(ents.slice(ci - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNew));
    return { lastNew, conflict: ci };
  }

  /** First index whose term differs from ours (or that we lack); 0 when all match. */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * Fast backtracking: the largest index <= i whose term is <= t, so the leader can skip a whole
   * term of mismatching entries in one round trip. Returns [index, term].
   */
  findConflictByTerm(i: number, t: number): [number, number] {
    for (; i > 0; i--) {
      let ourTerm: number;
      try {
        ourTerm = this.term(i);
      } catch (e) {
        if (isRaftError(e)) return [i, 0];
        throw e;
      }
      if (ourTerm <= t) return [i, ourTerm];
    }
    return [0, 0];
  }

  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = (ents[0] as Entry).index - 1;
    if (after < this.committed)
      throw new Error(`after ${after} is out of range [committed ${this.committed}]`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /** Entries from lo up to the end, at most maxSize bytes (at least one). */
  entriesFrom(lo: number, maxSize: number): Entry[] {
    if (lo > this.lastIndex()) return [];
    return this.slice(lo, this.lastIndex() + 1, maxSize);
  }

  slice(lo: number, hi: number, maxSize: number): Entry[] {
    if (lo >= hi) return [];
    const first = this.firstIndex();
    if (lo < first) throw new RaftError(RaftErrorCode.Compacted, `index ${lo} is compacted`);
    if (hi > this.lastIndex() + 1)
      throw new RaftError(RaftErrorCode.Unavailable, `slice [${lo},${hi}) out of bound`);
    let ents: Entry[] = [];
    const uOff = this.unstable.offset;
    if (lo < uOff) {
      const stored = this.storage.entries(lo, Math.min(hi, uOff), maxSize);
      // Storage stopped early because of the size limit: do not add unstable entries after a gap.
      if (stored.length < Math.min(hi, uOff) - lo) return stored;
      ents = stored;
    }
    if (hi > uOff) {
      const u = this.unstable.slice(Math.max(lo, uOff), hi);
      ents = ents.length > 0 ? [...ents, ...u] : u;
    }
    return limitSize(ents, maxSize);
  }

  allEntries(): Entry[] {
    return this.slice(this.firstIndex(), this.lastIndex() + 1, Number.MAX_SAFE_INTEGER);
  }

  /** Committed entries not yet applied, at most maxSize bytes. */
  nextCommittedEnts(maxSize: number): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 <= lo) return [];
    return this.slice(lo, this.committed + 1, maxSize);
  }

  hasNextCommittedEnts(): boolean {
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  /** Raft's up-to-date check for votes: compare last term, then length. */
  isUpToDate(lastIndex: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && lastIndex >= this.lastIndex());
  }

  commitTo(toCommit: number): void {
    if (this.committed < toCommit) {
      if (this.lastIndex() < toCommit) {
        throw new Error(`commit ${toCommit} is out of range [last ${this.lastIndex()}]`);
      }
      this.committed = toCommit;
    }
  }

  /** Commits maxIndex only if it is from term t (Figure 8), unless the unsafe flag skips that check. */
  maybeCommit(maxIndex: number, t: number, unsafeIgnoreTerm = false): boolean {
    if (
      maxIndex > this.committed &&
      (unsafeIgnoreTerm || this.zeroTermOnOutOfBounds(maxIndex) === t)
    ) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    if (this.committed < i || i < this.applied) {
      throw new Error(
        `applied ${i} is out of range [prev ${this.applied}, committed ${this.committed}]`,
      );
    }
    this.applied = i;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  restore(s: Snapshot): void {
    this.committed = s.meta.index;
    this.unstable.restore(s);
  }
}
