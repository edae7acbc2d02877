// A shard's BM25 index over numeric rows (one row a chunk). It answers with raw statistics, not
// final scores: scores need corpus-wide N, avgdl and df, which only the merge (bm25-merge.ts) sees.
import {
  bm25Idf,
  BM25_DEFAULTS,
  bm25Term,
  checkBm25Params,
  type Bm25Params,
} from './bm25-score.ts';
import { topK } from './top-k.ts';

export { bm25Merge, type Bm25Scored } from './bm25-merge.ts';
export { BM25_DEFAULTS, type Bm25Params } from './bm25-score.ts';

export interface Bm25Hit {
  readonly row: number;
  /** The row's length in terms (sum of its tfs). */
  readonly length: number;
  /** Per query term, its frequency in the row. */
  readonly tf: readonly number[];
}

export interface Bm25ShardAnswer {
  /** Rows in this index. */
  readonly docs: number;
  /** Sum of row lengths (sum of tfs). */
  readonly totalLength: number;
  /** Per query term, rows containing it. */
  readonly df: readonly number[];
  /** Top `limit` by local BM25, best first. */
  readonly hits: readonly Bm25Hit[];
}

/** Slots holding one term; terms[k] is the term's index in slots[k]'s own term list. */
interface Posting {
  readonly slots: number[];
  readonly tfs: number[];
  readonly terms: number[];
}

/** One indexed row. Rows are mapped to dense slots so a query can score into typed arrays. */
interface RowEntry {
  readonly row: number;
  readonly terms: readonly number[];
  readonly tfs: readonly number[];
  /** pos[i]: where this slot sits in terms[i]'s posting, for O(1) swap-remove. */
  readonly pos: number[];
  readonly length: number;
}

export class Bm25Index {
  private readonly postings = new Map<number, Posting>();
  private readonly slotOf = new Map<number, number>();
  private readonly entries: (RowEntry | undefined)[] = [];
  private readonly free: number[] = [];
  private total = 0;
  // Query scratch, reused: scores by slot, and the query that last touched each slot.
  private scores = new Float64Array(0);
  private seen = new Uint32Array(0);
  private accepted = new Uint8Array(0);
  private epoch = 0;

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
    const ids = [...terms.keys()];
    const tfs = ids.map((id) => terms.get(id)!);
    const pos = ids.map((id, i) => {
      let posting = this.postings.get(id);
      if (!posting) {
        posting = { slots: [], tfs: [], terms: [] };
        this.postings.set(id, posting);
      }
      posting.slots.push(slot);
      posting.tfs.push(tfs[i]!);
      posting.terms.push(i);
      return posting.slots.length - 1;
    });
    this.entries[slot] = { row, terms: ids, tfs, pos, length };
    this.slotOf.set(row, slot);
    this.total += length;
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
    });
    this.entries[slot] = undefined;
    this.free.push(slot);
    this.slotOf.delete(row);
    this.total -= entry.length;
    return true;
  }

  /**
   * Statistics for `terms` (query term ids, distinct) and the `limit` best rows by BM25 over this
   * index alone. `accept` filters rows (e.g. by metadata) without changing the corpus statistics;
   * it is asked at most once per row.
   */
  candidates(
    terms: readonly number[],
    limit: number,
    accept?: (row: number) => boolean,
    params: Bm25Params = BM25_DEFAULTS,
  ): Bm25ShardAnswer {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
    }
    checkBm25Params(params);
    const docs = this.slotOf.size;
    const df = terms.map((id) => this.postings.get(id)?.slots.length ?? 0);
    const answer = { docs, totalLength: this.total, df };
    if (docs === 0 || limit === 0) return { ...answer, hits: [] };

    this.prepareScratch();
    const { scores, seen, accepted, entries } = this;
    const epoch = this.epoch;
    const avgdl = this.total / docs;
    const touched: number[] = [];
    // Term at a time, in query order: each slot's sum is built in the same order as bm25Score's,
    // so the local score equals the merged one on the same statistics.
    terms.forEach((id, i) => {
      const posting = this.postings.get(id);
      if (!posting) return;
      const idf = bm25Idf(docs, df[i]!);
      for (let k = 0; k < posting.slots.length; k++) {
        const slot = posting.slots[k]!;
        if (seen[slot] !== epoch) {
          seen[slot] = epoch;
          const ok = accept === undefined || accept(entries[slot]!.row);
          accepted[slot] = ok ? 1 : 0;
          if (!ok) continue;
          scores[slot] = 0;
          touched.push(slot);
        } else if (accepted[slot] === 0) continue;
        scores[slot]! += bm25Term(posting.tfs[k]!, idf, entries[slot]!.length, avgdl, params);
      }
    });

    const best = topK(
      touched,
      limit,
      (a, b) => scores[b]! - scores[a]! || entries[a]!.row - entries[b]!.row,
    );
    const where = new Map<number, number[]>();
    terms.forEach((id, i) => where.set(id, [...(where.get(id) ?? []), i]));
    const hits = best.map((slot) => {
      const entry = entries[slot]!;
      const tf = new Array<number>(terms.length).fill(0);
      entry.terms.forEach((id, j) => {
        for (const i of where.get(id) ?? []) tf[i] = entry.tfs[j]!;
      });
      return { row: entry.row, length: entry.length, tf };
    });
    return { ...answer, hits };
  }

  /** Scratch arrays cover every slot, and a fresh epoch marks this query's visits. */
  private prepareScratch(): void {
    const slots = this.entries.length;
    if (this.scores.length < slots) {
      const capacity = Math.max(64, slots * 2);
      this.scores = new Float64Array(capacity);
      this.seen = new Uint32Array(capacity);
      this.accepted = new Uint8Array(capacity);
      this.epoch = 0;
    }
    this.epoch = (this.epoch + 1) >>> 0;
    if (this.epoch === 0) {
      this.seen.fill(0);
      this.epoch = 1;
    }
  }
}
