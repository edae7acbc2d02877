// Merges the answers of the shards a query visited into one ranking: the vector list by cosine
// (comparable across shards), the BM25 list rescored over the union of the visited shards'
// statistics (bm25Merge), then reciprocal rank fusion for hybrid search.
import { bm25Merge } from './bm25.ts';
import { fuseRanks } from './fusion.ts';
import type { SearchMode } from './schema.ts';
import type { ChunkRef, ShardAnswer, StoredHit } from './wire.ts';

/**
 * Reciprocal rank fusion as tuned on the labelled man-page set with the built-in lexical embedder
 * (bench/rag/fusion-study.ts: chosen on half the queries, checked on the other half). Equal
 * weights let the weaker vector list push BM25's good hits down; at half weight and k = 30 the
 * fusion beats BM25 alone on both halves. See docs/design/0017.
 */
export const HYBRID_FUSION = { k: 30, vectorWeight: 0.5 } as const;

export interface RankedChunk extends StoredHit {
  /** Cosine (vector), BM25 (bm25) or the fused RRF score (hybrid). */
  readonly score: number;
  /** 1-based ranks in each list (null: absent from it). */
  readonly vectorRank: number | null;
  readonly bm25Rank: number | null;
}

type OkAnswer = Extract<ShardAnswer, { ok: true }>;

export function chunkKey(c: ChunkRef): string {
  return `${c.version}\u0000${c.index}\u0000${c.doc}`;
}

function vectorList(answers: readonly OkAnswer[]): (StoredHit & { score: number })[] {
  const best = new Map<string, StoredHit & { score: number }>();
  for (const a of answers)
    for (const hit of a.vector) {
      const key = chunkKey(hit);
      const seen = best.get(key);
      if (seen === undefined || hit.score > seen.score) best.set(key, hit);
    }
  return [...best.values()].sort(
    (x, y) => y.score - x.score || x.doc.localeCompare(y.doc) || x.index - y.index,
  );
}

function bm25List(
  answers: readonly { readonly shard: string; readonly answer: OkAnswer }[],
  limit: number,
): (StoredHit & { score: number })[] {
  const byRow = new Map<string, StoredHit>();
  for (const { shard, answer } of answers)
    for (const hit of answer.bm25.hits) byRow.set(`${shard}\u0000${hit.row}`, hit);
  const merged = bm25Merge(
    answers.map(({ shard, answer }) => ({ key: shard, answer: answer.bm25 })),
    limit,
  );
  const out: (StoredHit & { score: number })[] = [];
  const seen = new Set<string>();
  for (const m of merged) {
    const hit = byRow.get(`${m.key}\u0000${m.row}`);
    if (hit === undefined || seen.has(chunkKey(hit))) continue;
    seen.add(chunkKey(hit));
    out.push({ ...hit, score: m.score });
  }
  return out;
}

/** The top `k` chunks over all shards' answers, best first. */
export function mergeAnswers(
  answers: readonly { readonly shard: string; readonly answer: OkAnswer }[],
  k: number,
  mode: SearchMode,
  candidates: number,
): RankedChunk[] {
  const vectors = mode === 'bm25' ? [] : vectorList(answers.map((a) => a.answer));
  const lexical = mode === 'vector' ? [] : bm25List(answers, candidates);
  const vRank = new Map(vectors.map((h, i) => [chunkKey(h), i + 1]));
  const bRank = new Map(lexical.map((h, i) => [chunkKey(h), i + 1]));
  const ranked = (hit: StoredHit, score: number): RankedChunk => ({
    ...hit,
    score,
    vectorRank: vRank.get(chunkKey(hit)) ?? null,
    bm25Rank: bRank.get(chunkKey(hit)) ?? null,
  });
  if (mode === 'vector') return vectors.slice(0, k).map((h) => ranked(h, h.score));
  if (mode === 'bm25') return lexical.slice(0, k).map((h) => ranked(h, h.score));
  const hits = new Map<string, StoredHit>();
  for (const h of [...vectors, ...lexical]) if (!hits.has(chunkKey(h))) hits.set(chunkKey(h), h);
  const fused = fuseRanks([vectors.map(chunkKey), lexical.map(chunkKey)], {
    k: HYBRID_FUSION.k,
    weights: [HYBRID_FUSION.vectorWeight, 1],
  });
  return fused.slice(0, k).map((f) => ranked(hits.get(f.item)!, f.score));
}
