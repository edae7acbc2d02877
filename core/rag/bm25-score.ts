// The BM25 formula, in one place: a shard's local ranking and the cross-shard merge must do the
// same arithmetic for their scores to agree.

export interface Bm25Params {
  /** Term-frequency saturation. */
  readonly k1: number;
  /** Length normalisation, 0..1. */
  readonly b: number;
}

export const BM25_DEFAULTS: Bm25Params = { k1: 1.2, b: 0.75 };

/** Lucene's idf: never negative, even for a term in more than half the documents. */
export function bm25Idf(docs: number, df: number): number {
  return Math.log(1 + (docs - df + 0.5) / (df + 0.5));
}

/** One term's contribution for a document of `length` terms; avgdl 0 means every length is 0. */
export function bm25Term(
  tf: number,
  idf: number,
  length: number,
  avgdl: number,
  params: Bm25Params,
): number {
  if (tf <= 0) return 0;
  return bm25TermAt(tf, idf, bm25LengthPart(length, avgdl, params), params.k1);
}

/** bm25Term's length part, k1·(1 − b + b·length/avgdl): one value a row, whatever the term. */
export function bm25LengthPart(length: number, avgdl: number, params: Bm25Params): number {
  const norm = avgdl > 0 ? length / avgdl : 1;
  return params.k1 * (1 - params.b + params.b * norm);
}

/** bm25Term for tf > 0 from a row's bm25LengthPart: the same operations, so the same bits. */
export function bm25TermAt(tf: number, idf: number, lengthPart: number, k1: number): number {
  return (idf * tf * (k1 + 1)) / (tf + lengthPart);
}

/** The full score of a document from its per-query-term frequencies, summed in query order. */
export function bm25Score(
  tf: readonly number[],
  idf: readonly number[],
  length: number,
  avgdl: number,
  params: Bm25Params,
): number {
  let score = 0;
  for (let i = 0; i < idf.length; i++)
    score += bm25Term(tf[i] ?? 0, idf[i]!, length, avgdl, params);
  return score;
}

export function checkBm25Params(params: Bm25Params): void {
  if (!(Number.isFinite(params.k1) && params.k1 >= 0 && params.b >= 0 && params.b <= 1)) {
    throw new RangeError(`BM25 needs k1 >= 0 and 0 <= b <= 1, got k1 ${params.k1}, b ${params.b}`);
  }
}
