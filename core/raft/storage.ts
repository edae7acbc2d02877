// Storage is the read side Raft needs from stable storage; the writer side is what a driver calls
// while handling Ready. Small and synchronous on purpose: an async store (a Durable Object's SQLite)
// fronts itself with an in-memory cache and implements this over the cache.
import { RaftError, RaftErrorCode } from './errors.ts';
import type { ConfState, Entry, HardState, Snapshot } from './types.ts';
import { EMPTY_CONF_STATE, EMPTY_HARD_STATE, entrySize } from './types.ts';

export interface InitialState {
  readonly hardState: HardState;
  readonly confState: ConfState;
}

export interface Storage {
  initialState(): InitialState;
  /** Entries in [lo, hi), at least one if any exist, at most maxSize bytes after the first. */
  entries(lo: number, hi: number, maxSize: number): Entry[];
  /** Term of entry i; i may be firstIndex()-1 (the snapshot's index). */
  term(i: number): number;
  lastIndex(): number;
  firstIndex(): number;
  snapshot(): Snapshot;
}

/** The write side a driver uses while handling Ready. */
export interface PersistentStorage extends Storage {
  setHardState(hs: HardState): void;
  /** Appends entries, truncating any conflicting suffix. */
  append(entries: readonly Entry[]): void;
  applySnapshot(snap: Snapshot): void;
  /** Records a snapshot of the state machine at applied index i. */
  createSnapshot(i: number, cs: ConfState, data: Uint8Array): Snapshot;
  /** Discards entries before compactIndex. */
  compact(compactIndex: number): void;
}

export function limitSize(ents: Entry[], maxSize: number): Entry[] {
  if (ents.length === 0) return ents;
  let size = entrySize(ents[0] as Entry);
  let limit = 1;
  for (; limit < ents.length; limit++) {
    size += entrySize(ents[limit] as Entry);
    if (size > maxSize) break;
  }
  return limit === ents.length ? ents : ents.slice(0, limit);
}

const compacted = (i: number): RaftError =>
  new RaftError(RaftErrorCode.Compacted, `index ${i} is compacted`);
const unavailable = (i: number): RaftError =>
  new RaftError(RaftErrorCode.Unavailable, `index ${i} is not yet available`);

/** In-memory storage. ents[0] is a dummy entry standing for the snapshot's index and term. */
export class MemoryStorage implements PersistentStorage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot;
  private ents: Entry[];

  constructor(confState: ConfState = EMPTY_CONF_STATE) {
    this.snap = { meta: { index: 0, term: 0, confState }, data: new Uint8Array(0) };
    this.ents = [{ index: 0, term: 0, type: 'normal', data: new Uint8Array(0) }];
  }

  initialState(): InitialState {
    return { hardState: this.hardState, confState: this.snap.meta.confState };
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  private offset(): number {
    return (this.ents[0] as Entry).index;
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    const off = this.offset();
    if (lo <= off) throw compacted(lo);
    if (hi > this.lastIndex() + 1) throw unavailable(hi - 1);
    if (lo >= hi) return [];
    return limitSize(this.ents.slice(lo - off, hi - off), maxSize);
  }

  term(i: number): number {
    const off = this.offset();
    if (i < off) throw compacted(i);
    const e = this.ents[i - off];
    if (e === undefined) throw unavailable(i);
    return e.term;
  }

  lastIndex(): number {
    return this.offset() + this.ents.length - 1;
  }

  firstIndex(): number {
    return this.offset() + 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  applySnapshot(snap: Snapshot): void {
    if (snap.meta.index <= this.snap.meta.index) {
      throw new RaftError(RaftErrorCode.SnapOutOfDate, `snapshot ${snap.meta.index} is old`);
    }
    this.snap = snap;
    this.ents = [
      { index: snap.meta.index, term: snap.meta.term, type: 'normal', data: new Uint8Array(0) },
    ];
  }

  createSnapshot(i: number, cs: ConfState, data: Uint8Array): Snapshot {
    if (i <= this.snap.meta.index) {
      throw new RaftError(RaftErrorCode.SnapOutOfDate, `snapshot ${i} is old`);
    }
    if (i > this.lastIndex()) throw unavailable(i);
    this.snap = { meta: { index: i, term: this.term(i), confState: cs }, data };
    return this.snap;
  }

  compact(compactIndex: number): void {
    const off = this.offset();
    if (compactIndex <= off) throw compacted(compactIndex);
    if (compactIndex > this.lastIndex()) throw unavailable(compactIndex);
    const i = compactIndex - off;
    const head = this.ents[i] as Entry;
    this.ents = [
      { index: head.index, term: head.term, type: 'normal', data: new Uint8Array(0) },
      ...this.ents.slice(i + 1),
    ];
  }

  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = (entries[entries.length - 1] as Entry).index;
    if (last < first) return; // all already compacted
    const es =
      (entries[0] as Entry).index < first
        ? entries.slice(first - (entries[0] as Entry).index)
        : entries;
    const start = (es[0] as Entry).index;
    const off = this.offset();
    if (start - off > this.ents.length) {
      throw new RaftError(RaftErrorCode.Unavailable, `missing log entry before ${start}`);
    }
    if (start - off < this.ents.length) this.ents.length = start - off;
    for (const e of es) this.ents.push(e);
  }
}
