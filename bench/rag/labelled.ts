// Phase 1 of bench:rag: the labelled man-page set through the edge. Documents go in through
// POST /v1/rag/{ns}/documents; every query is searched in each mode; a ranking is the distinct
// documents of the returned chunks, in order; recall@10 is measured against the labels.
import { performance } from 'node:perf_hooks';
import { SEARCH_MODES, type SearchMode } from '@proxima/core/rag';
import { postDocuments, search, settled, type BenchEdge } from './edge.ts';
import { buildLabelledSet, meanRecall } from './labelled-set.ts';

type Mode = SearchMode;
export const MODES = SEARCH_MODES;

export interface LabelledResult {
  readonly note: string;
  readonly docs: number;
  readonly chunks: number;
  readonly queries: number;
  readonly ingestSeconds: number;
  readonly recallAt10: Record<Mode, number>;
}

/** Chunks per query: enough that ten distinct documents survive de-duplication. */
const CHUNKS_PER_QUERY = 50;
const BODY_BYTES = 6 * 1024 * 1024;

export async function labelledPhase(
  edge: BenchEdge,
  options: { maxDocs: number; maxQueries: number; seed: number; packages?: readonly string[] },
  threshold: number,
): Promise<LabelledResult> {
  const set = buildLabelledSet(options);
  const ns = 'labelled';
  const started = performance.now();
  let chunks = 0;
  let batch: { id: string; text: string }[] = [];
  let bytes = 0;
  for (const doc of set.docs) {
    const size = Buffer.byteLength(doc.text) + doc.id.length + 64;
    if (batch.length > 0 && (bytes + size > BODY_BYTES || batch.length === 256)) {
      chunks += await postDocuments(edge, ns, batch);
      batch = [];
      bytes = 0;
    }
    batch.push(doc);
    bytes += size;
  }
  if (batch.length > 0) chunks += await postDocuments(edge, ns, batch);
  await settled(edge, ns, threshold);
  const ingestSeconds = (performance.now() - started) / 1000;
  const recallAt10 = {} as Record<Mode, number>;
  for (const mode of MODES) {
    const ranked: string[][] = [];
    for (const q of set.queries) {
      const hits = await search(edge, ns, q.text, mode, CHUNKS_PER_QUERY);
      ranked.push([...new Set(hits.map((h) => h.document_id))]);
    }
    recallAt10[mode] = meanRecall(ranked, set.queries, 10);
  }
  return {
    note: set.note,
    docs: set.docs.length,
    chunks,
    queries: set.queries.length,
    ingestSeconds,
    recallAt10,
  };
}
