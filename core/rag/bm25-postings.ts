// The storage behind Bm25Index: per term, the slots holding it (unordered, swap-removed) and a
// bound on its score; per slot, its row's terms sorted by id (bm25-row-terms.ts reads them).
// Everything per entry lives in typed arrays, off the JS heap: a shard of 20 000 chunks keeps its
// postings in about a third of the memory arrays of objects took, and a Durable Object's isolate
// holds many shards (docs/design/0017, "Memory").
import { emptyFront, frontAdd, frontHolds, type TfFront } from './bm25-bound.ts';
import { bm25LengthPart, type Bm25Params } from './bm25-score.ts';

/**
 * Rows holding one term, k in [0, count): entries[3k] is a slot, entries[3k + 1] the term's tf in
 * it, entries[3k + 2] the term's index in the slot's own list. One array a posting: most postings
 * are short, and each typed array costs its header.
 */
export interface Posting {
  entries: Uint32Array;
  count: number;
  /** Pareto front of (tf, length) over the posting, for the term's score bound. */
  front: TfFront;
  /** A front point's row was removed: the front may be loose until rebuilt. */
  loose: boolean;
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

/** A free slot's row. */
const FREE = -1;

export class Bm25Postings {
  readonly postings = new Map<number, Posting>();
  /** Per slot: its row (FREE when unused), its length (sum of tfs), where its terms start, how many. */
  rows = new Float64Array(64).fill(FREE);
  lengths = new Uint32Array(64);
  private starts = new Uint32Array(64);
  private counts = new Uint32Array(64);
  /** Slots ever used: the bound of every per-slot array a query reads. */
  slotCount = 0;
  /** Row terms, slot by slot: ids ascending; their tfs; pos[i]: where the slot sits in the posting. */
  termIds = new Uint32Array(1024);
  termTfs = new Uint32Array(1024);
  private termPos = new Uint32Array(1024);
  private used = 0;
  /** Entries of removed rows still in the term arrays, reclaimed when they outgrow the live ones. */
  private garbage = 0;
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

  /** The slot's term ids (ascending) and their tfs, as views: read them before the next add. */
  termsOf(slot: number): { readonly ids: Uint32Array; readonly tfs: Uint32Array } {
    const start = this.starts[slot]!;
    const end = start + this.counts[slot]!;
    return { ids: this.termIds.subarray(start, end), tfs: this.termTfs.subarray(start, end) };
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
      if (!Number.isSafeInteger(tf) || tf < 1 || tf > 0xffffffff) {
        throw new RangeError(`term frequencies are positive u32 integers, got ${tf}`);
      }
      length += tf;
    }
    if (length > 0xffffffff) throw new RangeError(`a row's length must fit a u32, got ${length}`);
    const slot = this.free.pop() ?? this.newSlot();
    const ids = Uint32Array.from(terms.keys()).sort();
    const start = this.reserve(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const tf = terms.get(id)!;
      let posting = this.postings.get(id);
      if (!posting) {
        posting = {
          entries: new Uint32Array(3 * 2),
          count: 0,
          front: emptyFront(),
          loose: false,
        };
        this.postings.set(id, posting);
      }
      if (3 * posting.count === posting.entries.length)
        posting.entries = grown(posting.entries, 2 * posting.entries.length);
      const at = posting.count++;
      posting.entries[3 * at] = slot;
      posting.entries[3 * at + 1] = tf;
      posting.entries[3 * at + 2] = i;
      frontAdd(posting.front, tf, length);
      this.termIds[start + i] = id;
      this.termTfs[start + i] = tf;
      this.termPos[start + i] = at;
    }
    this.rows[slot] = row;
    this.lengths[slot] = length;
    this.starts[slot] = start;
    this.counts[slot] = ids.length;
    this.slotOf.set(row, slot);
    this.total += length;
    this.version++;
  }

  /** O(terms of the row): each posting moves its last entry into the hole. */
  remove(row: number): boolean {
    const slot = this.slotOf.get(row);
    if (slot === undefined) return false;
    const start = this.starts[slot]!;
    const n = this.counts[slot]!;
    const length = this.lengths[slot]!;
    for (let i = 0; i < n; i++) {
      const id = this.termIds[start + i]!;
      const posting = this.postings.get(id)!;
      const at = this.termPos[start + i]!;
      const last = posting.count - 1;
      if (at !== last) {
        const e = posting.entries;
        const moved = e[3 * last]!;
        const movedTerm = e[3 * last + 2]!;
        e.copyWithin(3 * at, 3 * last, 3 * last + 3);
        this.termPos[this.starts[moved]! + movedTerm] = at;
      }
      posting.count = last;
      if (last === 0) this.postings.delete(id);
      else if (frontHolds(posting.front, this.termTfs[start + i]!, length)) posting.loose = true;
    }
    this.rows[slot] = FREE;
    this.counts[slot] = 0;
    this.garbage += n;
    this.free.push(slot);
    this.slotOf.delete(row);
    this.total -= length;
    this.version++;
    return true;
  }

  /** The posting of `id`, its front rebuilt first if a removal may have left it loose. */
  postingOf(id: number): Posting | undefined {
    const posting = this.postings.get(id);
    if (posting?.loose) {
      posting.front = emptyFront();
      const e = posting.entries;
      for (let k = 0; k < posting.count; k++) {
        frontAdd(posting.front, e[3 * k + 1]!, this.lengths[e[3 * k]!]!);
      }
      posting.loose = false;
    }
    return posting;
  }

  /** Scratch covering every slot, with a fresh epoch: a slot is visited when seen[slot] === epoch. */
  visits(): QueryScratch {
    const slots = this.slotCount;
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
    const slots = this.slotCount;
    if (
      cache.version !== this.version ||
      cache.avgdl !== avgdl ||
      cache.k1 !== k1 ||
      cache.b !== b ||
      cache.values.length < slots
    ) {
      const values =
        cache.values.length < slots ? new Float64Array(Math.max(64, slots * 2)) : cache.values;
      for (let slot = 0; slot < slots; slot++) {
        if (this.rows[slot] !== FREE)
          values[slot] = bm25LengthPart(this.lengths[slot]!, avgdl, params);
      }
      this.lengthParts = { version: this.version, avgdl, k1, b, values };
    }
    return this.lengthParts.values;
  }

  private newSlot(): number {
    const slot = this.slotCount++;
    if (slot === this.rows.length) {
      const cap = slot * 2;
      this.rows = grown(this.rows, cap);
      this.rows.fill(FREE, slot);
      this.lengths = grown(this.lengths, cap);
      this.starts = grown(this.starts, cap);
      this.counts = grown(this.counts, cap);
    }
    return slot;
  }

  /** Room for n term entries at the end of the term arrays; compacts or grows them first. */
  private reserve(n: number): number {
    if (this.used + n > this.termIds.length) {
      const live = this.used - this.garbage;
      // Compact when at least half is garbage: copying is then paid by the removals that made it.
      const cap = Math.max(1024, this.garbage >= live ? 2 * (live + n) : 2 * (this.used + n));
      this.rebuildTerms(cap);
    }
    const start = this.used;
    this.used += n;
    return start;
  }

  /** Copies the live slots' terms, in slot order, into arrays of `cap` entries. */
  private rebuildTerms(cap: number): void {
    const ids = new Uint32Array(cap);
    const tfs = new Uint32Array(cap);
    const pos = new Uint32Array(cap);
    let used = 0;
    for (let slot = 0; slot < this.slotCount; slot++) {
      if (this.rows[slot] === FREE) continue;
      const start = this.starts[slot]!;
      const end = start + this.counts[slot]!;
      ids.set(this.termIds.subarray(start, end), used);
      tfs.set(this.termTfs.subarray(start, end), used);
      pos.set(this.termPos.subarray(start, end), used);
      this.starts[slot] = used;
      used += end - start;
    }
    this.termIds = ids;
    this.termTfs = tfs;
    this.termPos = pos;
    this.used = used;
    this.garbage = 0;
  }
}

function grown<T extends Uint32Array | Float64Array>(a: T, cap: number): T {
  const out = new (a.constructor as new (n: number) => T)(cap);
  out.set(a);
  return out;
}
