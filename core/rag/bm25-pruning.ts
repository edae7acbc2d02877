// MaxScore (Turtle & Flood), term at a time, over a shard's postings: the exact top-k without
// scoring every posting. Query terms are taken by falling score bound (rare terms first), each row
// met getting a partial sum. A row that none of the lists read so far scores at most the bounds of
// the lists left (`rest`), so once k rows' partial sums pass that, no new row can qualify: the
// remaining lists (the long postings of common terms) only add to the rows already met, which
// costs a flag test for most of their postings instead of a score. The partial sums then hold
// every term; they differ from the exact scores by a few ulps (another summation order), so rows
// that close to each other are ordered by exact scores, summed in query order like the exhaustive
// path's: the answer is the same, bit for bit.
import { frontBound } from './bm25-bound.ts';
import type { Bm25Postings, Posting } from './bm25-postings.ts';
import { tfsIn, type SortedTerms } from './bm25-row-terms.ts';
import { bm25TermAt, type Bm25Params } from './bm25-score.ts';
import { kthLargest } from './kth-largest.ts';

/** A query's terms (in order, repeats allowed) with the statistics its scores use. */
export interface QueryStats {
  readonly terms: readonly number[];
  readonly sorted: SortedTerms;
  /** Per query term. */
  readonly idf: readonly number[];
  readonly avgdl: number;
}

/**
 * Bounds and partial sums are compared with this relative margin: a float sum taken in another
 * order, or a bound computed at another (tf, length), may differ by a few ulps from the exact
 * value; 1e-9 is far above that, so a row is dropped only when it truly cannot qualify.
 */
const SLACK = 1 + 1e-9;

/** One distinct query term that has a posting. */
interface List {
  readonly posting: Posting;
  /** How many times the query names the term: its part counts that many times. */
  count: number;
  readonly idf: number;
  bound: number;
}

/** The `limit` best slots, best first (score desc, then row asc): the exhaustive path's answer. */
export function maxScoreTopK(
  store: Bm25Postings,
  query: QueryStats,
  limit: number,
  accept: ((row: number) => boolean) | undefined,
  params: Bm25Params,
): number[] {
  return new MaxScore(store, query, limit, params).run(accept);
}

class MaxScore {
  private readonly query: QueryStats;
  private readonly limit: number;
  private readonly k1: number;
  private readonly lists: List[];
  /** rest[j]: the most that lists j.. together can add to a row's score. */
  private readonly rest: Float64Array;
  private readonly store: Bm25Postings;
  /** Per slot, its row. */
  private readonly slotRows: Float64Array;
  private readonly lengthParts: Float64Array;
  /** seen[slot] is `live` for a row met and in the running, `out` for one met and not. */
  private readonly seen: Uint32Array;
  private readonly live: number;
  private readonly out: number;
  private readonly acc: Float64Array;
  private readonly spare: Float64Array;
  /** counted[slot]: the live row is among `above`. */
  private readonly counted: Uint8Array;
  /** Live rows known to have a partial sum above the bound of the lists left (a lower count). */
  private above = 0;
  /** A lower bound of the k-th best score, once known. */
  private floor = -Infinity;
  /** The rows met and accepted, in that order (some may be out since, until compacted). */
  private readonly rows: number[] = [];
  /** Room for one row's frequencies of the query's distinct terms. */
  private readonly tfs: Float64Array;
  /** The largest partial sum so far. */
  private top = 0;

  constructor(store: Bm25Postings, query: QueryStats, limit: number, params: Bm25Params) {
    this.query = query;
    this.limit = limit;
    this.k1 = params.k1;
    this.lists = listsOf(store, query, params);
    const m = this.lists.length;
    this.rest = new Float64Array(m + 1);
    for (let j = m - 1; j >= 0; j--) this.rest[j] = this.rest[j + 1]! + this.lists[j]!.bound;
    this.store = store;
    this.slotRows = store.rows;
    this.lengthParts = store.lengthPartsFor(query.avgdl, params);
    const scratch = store.visits();
    this.seen = scratch.seen;
    this.live = scratch.epoch;
    this.out = scratch.epoch + 1;
    this.acc = scratch.scores;
    this.spare = scratch.spare;
    this.counted = scratch.flags;
    this.tfs = new Float64Array(query.sorted.ids.length);
  }

  run(accept: ((row: number) => boolean) | undefined): number[] {
    const { lists, rest } = this;
    const m = lists.length;
    let j = 0;
    // Any row of these lists may qualify, until k partial sums pass the bounds of the lists left.
    while (j < m) {
      const bound = rest[j + 1]! * SLACK;
      this.gather(lists[j]!, accept, bound);
      j++;
      if (this.above >= this.limit) break;
      // Rows met earlier may have passed the bound since; a recount pays when cheaper than a list.
      if (this.top > bound && j < m && this.rows.length * 2 <= lists[j]!.posting.count) {
        this.recount(bound);
        if (this.above >= this.limit) break;
      }
    }
    if (j < m) this.floor = this.kthPartial();
    for (; j < m; j++) this.walk(lists[j]!, rest[j]!);
    return this.best();
  }

  /**
   * Adds the list to every row in it, meeting new rows (each asked to `accept` once), and counts
   * the rows whose partial sum passes `bound`.
   */
  private gather(list: List, accept: ((row: number) => boolean) | undefined, bound: number): void {
    const { seen, live, out, acc, slotRows, lengthParts, rows, k1, counted } = this;
    const { entries, count: n } = list.posting;
    const { count, idf } = list;
    let top = this.top;
    let above = this.above;
    for (let k = 0; k < n; k++) {
      const slot = entries[3 * k]!;
      const mark = seen[slot];
      let sum: number;
      if (mark === live) sum = acc[slot]!;
      else if (mark === out) continue;
      else if (accept !== undefined && !accept(slotRows[slot]!)) {
        seen[slot] = out;
        continue;
      } else {
        seen[slot] = live;
        counted[slot] = 0;
        rows.push(slot);
        sum = 0;
      }
      sum += count * bm25TermAt(entries[3 * k + 1]!, idf, lengthParts[slot]!, k1);
      acc[slot] = sum;
      if (sum > top) top = sum;
      if (sum > bound && counted[slot] === 0) {
        counted[slot] = 1;
        above++;
      }
    }
    this.top = top;
    this.above = above;
  }

  /**
   * Adds the list to the rows already met, reading its posting; `rest` bounds what a row can still
   * gain (this list included), and a row that cannot reach the floor with it is dropped.
   */
  private walk(list: List, rest: number): void {
    const { seen, live, out, acc, lengthParts, k1, floor } = this;
    const { entries, count: n } = list.posting;
    const { count, idf } = list;
    for (let k = 0; k < n; k++) {
      const slot = entries[3 * k]!;
      if (seen[slot] !== live) continue;
      if ((acc[slot]! + rest) * SLACK < floor) seen[slot] = out;
      else acc[slot]! += count * bm25TermAt(entries[3 * k + 1]!, idf, lengthParts[slot]!, k1);
    }
  }

  /** Counts the live rows above `bound` that are not counted yet. */
  private recount(bound: number): void {
    const { acc, rows, counted } = this;
    for (let i = 0; i < rows.length; i++) {
      const slot = rows[i]!;
      if (counted[slot] === 0 && acc[slot]! > bound) {
        counted[slot] = 1;
        this.above++;
      }
    }
  }

  /** The k-th best partial sum of the live rows (-Infinity if fewer); compacts `rows` to them. */
  private kthPartial(): number {
    const { acc, rows, spare, seen, live } = this;
    let n = 0;
    for (let i = 0; i < rows.length; i++) {
      const slot = rows[i]!;
      if (seen[slot] === live) {
        rows[n] = slot;
        spare[n++] = acc[slot]!;
      }
    }
    rows.length = n;
    return n < this.limit ? -Infinity : kthLargest(spare, n, this.limit);
  }

  /**
   * The best `limit` rows, best first, from partial sums that now hold every term. Rows within
   * SLACK of the k-th best may still be in the answer; rows within SLACK of each other are ordered
   * by their exact scores.
   */
  private best(): number[] {
    const { acc, slotRows, rows } = this;
    const floor = this.kthPartial();
    const finalists = rows.filter((slot) => acc[slot]! * SLACK >= floor);
    finalists.sort((a, b) => acc[b]! - acc[a]! || slotRows[a]! - slotRows[b]!);
    const order: number[] = [];
    for (let i = 0; i < finalists.length && order.length < this.limit;) {
      let end = i + 1;
      while (end < finalists.length && acc[finalists[end]!]! * SLACK >= acc[finalists[end - 1]!]!) {
        end++;
      }
      if (end - i === 1) order.push(finalists[i]!);
      else {
        const close = finalists.slice(i, end).map((slot) => ({ slot, score: this.exact(slot) }));
        close.sort((a, b) => b.score - a.score || slotRows[a.slot]! - slotRows[b.slot]!);
        for (const { slot } of close) order.push(slot);
      }
      i = end;
    }
    return order.slice(0, this.limit);
  }

  /** The row's score as the exhaustive path sums it: term by term, in query order. */
  private exact(slot: number): number {
    const { sorted, idf } = this.query;
    const { tfs } = this;
    tfsIn(this.store.termsOf(slot), sorted.ids, tfs);
    let score = 0;
    for (let i = 0; i < sorted.at.length; i++) {
      const tf = sorted.at[i]! < 0 ? 0 : tfs[sorted.at[i]!]!;
      if (tf > 0) score += bm25TermAt(tf, idf[i]!, this.lengthParts[slot]!, this.k1);
    }
    return score;
  }
}

/** The query's distinct terms that have postings, with their bounds, by falling bound. */
function listsOf(store: Bm25Postings, query: QueryStats, params: Bm25Params): List[] {
  const byId = new Map<number, List>();
  query.terms.forEach((id, i) => {
    const known = byId.get(id);
    if (known) known.count++;
    else {
      const posting = store.postingOf(id);
      if (posting) byId.set(id, { posting, count: 1, idf: query.idf[i]!, bound: 0 });
    }
  });
  for (const list of byId.values()) {
    list.bound = list.count * frontBound(list.posting.front, list.idf, query.avgdl, params);
  }
  return [...byId.values()].sort((a, b) => b.bound - a.bound);
}
