// The exhaustive top-k: every posting of every query term is scored, term at a time. Kept as the
// reference the pruned path (bm25-pruning.ts) is benchmarked and tested against.
import { bm25Term, type Bm25Params } from './bm25-score.ts';
import type { Bm25Postings } from './bm25-postings.ts';
import type { QueryStats } from './bm25-pruning.ts';
import { topK } from './top-k.ts';

/** The `limit` best slots, best first (score desc, then row asc). */
export function exhaustiveTopK(
  store: Bm25Postings,
  query: QueryStats,
  limit: number,
  accept: ((row: number) => boolean) | undefined,
  params: Bm25Params,
): number[] {
  const { rows, lengths } = store;
  const { seen, epoch, scores, flags: accepted } = store.visits();
  const touched: number[] = [];
  // Term at a time, in query order: each slot's sum is built in the same order as bm25Score's,
  // so the local score equals the merged one on the same statistics.
  query.terms.forEach((id, i) => {
    const posting = store.postings.get(id);
    if (!posting) return;
    const idf = query.idf[i]!;
    const e = posting.entries;
    for (let k = 0; k < posting.count; k++) {
      const slot = e[3 * k]!;
      if (seen[slot] !== epoch) {
        seen[slot] = epoch;
        const ok = accept === undefined || accept(rows[slot]!);
        accepted[slot] = ok ? 1 : 0;
        if (!ok) continue;
        scores[slot] = 0;
        touched.push(slot);
      } else if (accepted[slot] === 0) continue;
      scores[slot]! += bm25Term(e[3 * k + 1]!, idf, lengths[slot]!, query.avgdl, params);
    }
  });
  return topK(touched, limit, (a, b) => scores[b]! - scores[a]! || rows[a]! - rows[b]!);
}
