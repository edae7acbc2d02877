// The log's shape in memory: the compaction point plus the term and payload size of every stored
// entry, so first/last index, terms and size limits need no SQL. Bounds and errors follow
// MemoryStorage exactly; the entries themselves stay in SQLite.
import { RaftError, RaftErrorCode } from '@proxima/core/raft';
import type { Entry } from '@proxima/core/raft';

/** Header bytes that `entrySize` adds to a payload (core/raft/types.ts). */
const ENTRY_HEADER_BYTES = 16;

export const compacted = (i: number): RaftError =>
  new RaftError(RaftErrorCode.Compacted, `index ${i} is compacted`);
export const unavailable = (i: number): RaftError =>
  new RaftError(RaftErrorCode.Unavailable, `index ${i} is not yet available`);

export class LogMirror {
  /** Index of the compaction point: the last discarded entry (or the snapshot's index). */
  private offset: number;
  /** terms[k] is the term at offset + k; terms[0] is the compaction point's. */
  private readonly terms: number[];
  /** sizes[k] is the payload size at offset + k; sizes[0] is unused. */
  private readonly sizes: number[];

  constructor(offset: number, offsetTerm: number) {
    this.offset = offset;
    this.terms = [offsetTerm];
    this.sizes = [0];
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.terms.length - 1;
  }

  term(i: number): number {
    if (i < this.offset) throw compacted(i);
    const t = this.terms[i - this.offset];
    if (t === undefined) throw unavailable(i);
    return t;
  }

  /**
   * How many entries from lo to read for entries(lo, hi, maxSize): at least one if any are
   * in range, then as many as fit in maxSize bytes.
   */
  count(lo: number, hi: number, maxSize: number): number {
    if (lo <= this.offset) throw compacted(lo);
    if (hi > this.lastIndex() + 1) throw unavailable(hi - 1);
    if (lo >= hi) return 0;
    const first = lo - this.offset;
    const end = hi - this.offset;
    let size = (this.sizes[first] ?? 0) + ENTRY_HEADER_BYTES;
    let k = first + 1;
    for (; k < end; k++) {
      size += (this.sizes[k] ?? 0) + ENTRY_HEADER_BYTES;
      if (size > maxSize) break;
    }
    return k - first;
  }

  /**
   * The part of `entries` an append must write, as MemoryStorage.append decides it: entries at or
   * before the compaction point are dropped, a gap after the last index throws Unavailable.
   * Entries must be consecutive.
   */
  toAppend(entries: readonly Entry[]): readonly Entry[] {
    const head = entries[0];
    const tail = entries[entries.length - 1];
    if (head === undefined || tail === undefined) return [];
    entries.forEach((e, k) => {
      if (e.index !== head.index + k) {
        throw new Error(`SqlRaftStorage.append: entry ${e.index} follows ${head.index + k - 1}`);
      }
    });
    const first = this.firstIndex();
    if (tail.index < first) return []; // all already compacted
    const es = head.index < first ? entries.slice(first - head.index) : entries;
    const start = head.index < first ? first : head.index;
    if (start > this.lastIndex() + 1) {
      throw new RaftError(RaftErrorCode.Unavailable, `missing log entry before ${start}`);
    }
    return es;
  }

  /** Replaces everything from the first of `es` on with `es` (as checked by toAppend). */
  append(es: readonly Entry[]): void {
    const head = es[0];
    if (head === undefined) return;
    const keep = head.index - this.offset;
    this.terms.length = keep;
    this.sizes.length = keep;
    for (const e of es) this.push(e.term, e.data.length);
  }

  /** Adds the next entry by its term and payload size (loading from SQLite). */
  push(term: number, size: number): void {
    this.terms.push(term);
    this.sizes.push(size);
  }

  /** The term of compaction point i, if compact(i) is allowed (as in MemoryStorage). */
  compactTerm(i: number): number {
    if (i <= this.offset) throw compacted(i);
    if (i > this.lastIndex()) throw unavailable(i);
    return this.term(i);
  }

  /** Discards entries up to and including i (checked by compactTerm): the new compaction point. */
  compact(i: number): void {
    const drop = i - this.offset;
    this.terms.splice(0, drop);
    this.sizes.splice(0, drop);
    this.sizes[0] = 0;
    this.offset = i;
  }

  /** Empties the log at a new compaction point (a snapshot's index and term). */
  reset(offset: number, offsetTerm: number): void {
    this.offset = offset;
    this.terms.length = 0;
    this.terms.push(offsetTerm);
    this.sizes.length = 0;
    this.sizes.push(0);
  }
}
