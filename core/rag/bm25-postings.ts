// The storage behind Bm25Index: per term, the slots holding it (unordered, swap-removed) and a
// bound on its score; per slot, its row's terms sorted by id (bm25-row-terms.ts reads them).
import { emptyFront, frontAdd, frontHolds, type TfFront } from './bm25-bound.ts';
import { bm25LengthPart, type Bm25Params } from './bm25-score.ts';

/** Slots holding one term; terms[k] is the term's index in slots[k]'s own term list. */
export interface Posting {
  readonly slots: number[];
  readonly tfs: number[];
  readonly terms: number[];
  /** Pareto front of (tf, length) over the posting, for the term's score bound. */
  front: TfFront;
  /** A front point's row was removed: the front may be loose until rebuilt. */
  loose: boolean;
}

/** One indexed row. Rows are mapped to dense slots so a query can keep per-slot state in typed arrays. */
export interface RowEntry {
  readonly row: number;
  /** Term ids, ascending. */
  readonly terms: Uint32Array;
  readonly tfs: readonly number[];
  /** pos[i]: where this slot sits in terms[i]'s posting, for O(1) swap-remove. */
  readonly pos: number[];
  readonly length: number;
}

/**
 * Per-slot arrays one query may use. seen[slot] === epoch marks a slot this query visited; the
 * query may also write epoch + 1 (both are fresh): older values are other queries'.
 */
export interface QueryScratch {
  readonly seen: Uint32Array;
  readonly epoch: number;
  readonly scores: Float64Array;
  readonly spare: Float64Array;
  readonly flags: Uint8Array;
}

export class Bm25Postings {
  readonly postings = new Map<number, Posting>();
  readonly entries: (RowEntry | undefined)[] = [];
  private readonly slotOf = new Map<number, number>();
  private readonly free: number[] = [];
  private total = 0;
  /** Bumped by every add and remove: caches keyed by it are stale once it moves. */
  private version = 0;
  private lengthParts = { version: -1, avgdl: NaN, k1: NaN, b: NaN, values: new Float64Array(0) };
  // Query scratch, reused: the query that last visited each slot, and per-slot room for scores.
  private scratch: QueryScratch = {
    seen: new Uint32Array(0),
    epoch: 0,
    scores: new Float64Array(0),
    spare: new Float64Array(0),
    flags: new Uint8Array(0),
  };

  get size(): number {
    return this.slotOf.size;
  }

  get totalLength(): number {
    return this.total;
  }

  has(row: number): boolean {
    return this.slotOf.has(row);
  }

  add(row: number, terms: ReadonlyMap<number, number>): void {
    if (!Number.isSafeInteger(row) || row < 0) {
      throw new RangeError(`rows are non-negative safe integers, got ${row}`);
    }
    if (this.slotOf.has(row)) throw new RangeError(`row ${row} is already indexed`);
    let length = 0;
    for (const [id, tf] of terms) {
      if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
        throw new RangeError(`term ids are u32, got ${id}`);
      }
      if (!Number.isSafeInteger(tf) || tf < 1) {
        throw new RangeError(`term frequencies are positive integers, got ${tf}`);
      }
      length += tf;
    }
    const slot = this.free.pop() ?? this.entries.length;
    const ids = Uint32Array.from(terms.keys()).sort();
    const tfs = Array.from(ids, (id) => terms.get(id)!);
    const pos = Array.from(ids, (id, i) => {
      let posting = this.postings.get(id);
      if (!posting) {
        posting = { slots: [], tfs: [], terms: [], front: emptyFront(), loose: false };
        this.postings.set(id, posting);
      }
      posting.slots.push(slot);
      posting.tfs.push(tfs[i]!);
      posting.terms.push(i);
      frontAdd(posting.front, tfs[i]!, length);
      return posting.slots.length - 1;
    });
    this.entries[slot] = { row, terms: ids, tfs, pos, length };
    this.slotOf.set(row, slot);
    this.total += length;
    this.version++;
  }

  /** O(terms of the row): each posting moves its last entry into the hole. */
  remove(row: number): boolean {
    const slot = this.slotOf.get(row);
    if (slot === undefined) return false;
    const entry = this.entries[slot]!;
    entry.terms.forEach((id, i) => {
      const posting = this.postings.get(id)!;
      const at = entry.pos[i]!;
      const last = posting.slots.length - 1;
      if (at !== last) {
        const moved = posting.slots[last]!;
        const movedTerm = posting.terms[last]!;
        posting.slots[at] = moved;
        posting.tfs[at] = posting.tfs[last]!;
        posting.terms[at] = movedTerm;
        this.entries[moved]!.pos[movedTerm] = at;
      }
      posting.slots.pop();
      posting.tfs.pop();
      posting.terms.pop();
      if (posting.slots.length === 0) this.postings.delete(id);
      else if (frontHolds(posting.front, entry.tfs[i]!, entry.length)) posting.loose = true;
    });
    this.entries[slot] = undefined;
    this.free.push(slot);
    this.slotOf.delete(row);
    this.total -= entry.length;
    this.version++;
    return true;
  }

  /** The posting of `id`, its front rebuilt first if a removal may have left it loose. */
  postingOf(id: number): Posting | undefined {
    const posting = this.postings.get(id);
    if (posting?.loose) {
      posting.front = emptyFront();
      for (let k = 0; k < posting.slots.length; k++) {
        frontAdd(posting.front, posting.tfs[k]!, this.entries[posting.slots[k]!]!.length);
      }
      posting.loose = false;
    }
    return posting;
  }

  /** Scratch covering every slot, with a fresh epoch: a slot is visited when seen[slot] === epoch. */
  visits(): QueryScratch {
    const slots = this.entries.length;
    let { seen, epoch, scores, spare, flags } = this.scratch;
    if (seen.length < slots) {
      const capacity = Math.max(64, slots * 2);
      seen = new Uint32Array(capacity);
      scores = new Float64Array(capacity);
      spare = new Float64Array(capacity);
      flags = new Uint8Array(capacity);
      epoch = 0;
    }
    epoch += 2;
    if (epoch >= 0xffffffff) {
      seen.fill(0);
      epoch = 1;
    }
    this.scratch = { seen, epoch, scores, spare, flags };
    return this.scratch;
  }

  /**
   * Per slot, bm25LengthPart of its row for (avgdl, params): a query's inner loops then skip the
   * division by avgdl and the row lookup. Rebuilt in O(slots) when the index or the parameters
   * changed.
   */
  lengthPartsFor(avgdl: number, params: Bm25Params): Float64Array {
    const cache = this.lengthParts;
    const { k1, b } = params;
    if (
      cache.version !== this.version ||
      cache.avgdl !== avgdl ||
      cache.k1 !== k1 ||
      cache.b !== b ||
      cache.values.length < this.entries.length
    ) {
      const values =
        cache.values.length < this.entries.length
          ? new Float64Array(Math.max(64, this.entries.length * 2))
          : cache.values;
      this.entries.forEach((entry, slot) => {
        if (entry) values[slot] = bm25LengthPart(entry.length, avgdl, params);
      });
      this.lengthParts = { version: this.version, avgdl, k1, b, values };
    }
    return this.lengthParts.values;
  }
}
