// Exact BM25 across shards: every shard reports its statistics and its best rows' raw frequencies,
// and the scores are recomputed over the union (N = Σdocs, avgdl = ΣtotalLength / N, df = Σdf), so
// a row's score does not depend on which shard holds it.
import type { Bm25ShardAnswer } from './bm25.ts';
import {
  bm25Idf,
  BM25_DEFAULTS,
  bm25Score,
  checkBm25Params,
  type Bm25Params,
} from './bm25-score.ts';
import { topK } from './top-k.ts';

export interface Bm25Scored {
  readonly key: string;
  readonly row: number;
  readonly score: number;
}

/** The k best rows over all answers, best first; ties by key, then row. */
export function bm25Merge(
  answers: readonly { readonly key: string; readonly answer: Bm25ShardAnswer }[],
  k: number,
  params: Bm25Params = BM25_DEFAULTS,
): Bm25Scored[] {
  checkBm25Params(params);
  if (!Number.isSafeInteger(k) || k < 0)
    throw new RangeError(`k must be a non-negative integer, got ${k}`);
  const terms = answers[0]?.answer.df.length ?? 0;
  let docs = 0;
  let totalLength = 0;
  const df = new Array<number>(terms).fill(0);
  for (const { key, answer } of answers) {
    if (answer.df.length !== terms) {
      throw new RangeError(
        `shard ${key} answered for ${answer.df.length} query terms, expected ${terms}`,
      );
    }
    docs += answer.docs;
    totalLength += answer.totalLength;
    answer.df.forEach((d, i) => (df[i]! += d));
  }
  if (docs === 0) return [];
  const idf = df.map((d) => bm25Idf(docs, d));
  const avgdl = totalLength / docs;
  const scored = answers.flatMap(({ key, answer }) =>
    answer.hits.map((hit) => ({
      key,
      row: hit.row,
      score: bm25Score(hit.tf, idf, hit.length, avgdl, params),
    })),
  );
  return topK(scored, k, (a, b) => b.score - a.score || compareKeys(a.key, b.key) || a.row - b.row);
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
