// A shard's BM25 index over numeric rows (one row a chunk). It answers with raw statistics, not
// final scores: scores need corpus-wide N, avgdl and df, which only the merge (bm25-merge.ts) sees.
import { exhaustiveTopK } from './bm25-exhaustive.ts';
import { Bm25Postings } from './bm25-postings.ts';
import { maxScoreTopK, type QueryStats } from './bm25-pruning.ts';
import { sortTerms, tfsIn } from './bm25-row-terms.ts';
import { bm25Idf, BM25_DEFAULTS, checkBm25Params, type Bm25Params } from './bm25-score.ts';

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

type TopSlots = typeof maxScoreTopK;

export class Bm25Index {
  private readonly store = new Bm25Postings();

  get size(): number {
    return this.store.size;
  }

  get totalLength(): number {
    return this.store.totalLength;
  }

  has(row: number): boolean {
    return this.store.has(row);
  }

  add(row: number, terms: ReadonlyMap<number, number>): void {
    this.store.add(row, terms);
  }

  /** O(terms of the row); score bounds it leaves loose are rebuilt by the next query using them. */
  remove(row: number): boolean {
    return this.store.remove(row);
  }

  /**
   * Statistics for `terms` (query term ids; repeats count twice) and the `limit` best rows by BM25
   * over this index alone, ties by smaller row. `accept` filters rows (e.g. by metadata) without
   * changing the corpus statistics; it is asked at most once per row, and only about rows of the
   * postings the query reads. Pruned (MaxScore, bm25-pruning.ts): the same answer as
   * exhaustiveCandidates, bit for bit, without scoring every posting.
   */
  candidates(
    terms: readonly number[],
    limit: number,
    accept?: (row: number) => boolean,
    params: Bm25Params = BM25_DEFAULTS,
  ): Bm25ShardAnswer {
    return this.answer(maxScoreTopK, terms, limit, accept, params);
  }

  /** candidates() by scoring every posting of every query term: the reference, for benchmarks. */
  exhaustiveCandidates(
    terms: readonly number[],
    limit: number,
    accept?: (row: number) => boolean,
    params: Bm25Params = BM25_DEFAULTS,
  ): Bm25ShardAnswer {
    return this.answer(exhaustiveTopK, terms, limit, accept, params);
  }

  private answer(
    topSlots: TopSlots,
    terms: readonly number[],
    limit: number,
    accept: ((row: number) => boolean) | undefined,
    params: Bm25Params,
  ): Bm25ShardAnswer {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
    }
    checkBm25Params(params);
    const { store } = this;
    const docs = store.size;
    const df = terms.map((id) => store.postings.get(id)?.count ?? 0);
    const answer = { docs, totalLength: store.totalLength, df };
    if (docs === 0 || limit === 0) return { ...answer, hits: [] };
    const query: QueryStats = {
      terms,
      sorted: sortTerms(terms),
      idf: df.map((d) => bm25Idf(docs, d)),
      avgdl: store.totalLength / docs,
    };
    const { ids, at } = query.sorted;
    const tfs = new Float64Array(ids.length);
    const hits = topSlots(store, query, limit, accept, params).map((slot) => {
      tfsIn(store.termsOf(slot), ids, tfs);
      return {
        row: store.rows[slot]!,
        length: store.lengths[slot]!,
        tf: Array.from(at, (q) => (q < 0 ? 0 : tfs[q]!)),
      };
    });
    return { ...answer, hits };
  }
}
