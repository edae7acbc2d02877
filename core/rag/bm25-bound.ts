// A term's largest possible BM25 contribution, for dynamic pruning. The tf-part grows with tf and
// shrinks with row length, so its maximum over a posting is reached on the posting's Pareto front
// of (high tf, short row): a handful of points, kept up to date on add in O(front).
import { bm25Term, type Bm25Params } from './bm25-score.ts';

/** Points (tf[i], length[i]) of which none has both a larger-or-equal tf and a shorter-or-equal row than another. */
export interface TfFront {
  readonly tf: number[];
  readonly length: number[];
}

export function emptyFront(): TfFront {
  return { tf: [], length: [] };
}

/** Adds a posting's (tf, length), dropping the points it dominates; a dominated point is not kept. */
export function frontAdd(front: TfFront, tf: number, length: number): void {
  const n = front.tf.length;
  for (let i = 0; i < n; i++) if (front.tf[i]! >= tf && front.length[i]! <= length) return;
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (front.tf[i]! <= tf && front.length[i]! >= length) continue;
    front.tf[kept] = front.tf[i]!;
    front.length[kept] = front.length[i]!;
    kept++;
  }
  front.tf.length = kept;
  front.length.length = kept;
  front.tf.push(tf);
  front.length.push(length);
}

/** Whether (tf, length) is a point of the front: removing such a row may leave the bound loose. */
export function frontHolds(front: TfFront, tf: number, length: number): boolean {
  for (let i = 0; i < front.tf.length; i++) {
    if (front.tf[i] === tf && front.length[i] === length) return true;
  }
  return false;
}

/** The largest bm25Term over the front: no row of the posting contributes more (up to rounding). */
export function frontBound(front: TfFront, idf: number, avgdl: number, params: Bm25Params): number {
  let bound = 0;
  for (let i = 0; i < front.tf.length; i++) {
    const term = bm25Term(front.tf[i]!, idf, front.length[i]!, avgdl, params);
    if (term > bound) bound = term;
  }
  return bound;
}
