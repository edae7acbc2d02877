/**
 * bench:rag — RAG through the edge (local workerd, the namespace and shard Durable Objects):
 * 1. the labelled man-page set (bench/rag/labelled-set.ts): recall@10 of BM25, vectors and the
 *    hybrid (reciprocal rank fusion) against the labels;
 * 2. the shard path as the corpus grows to 10k, 100k and 1M chunks (BENCH_RAG_TIERS): ingest
 *    throughput, query p50/p99, recall@10 against exact search over the whole tier, while a
 *    checker searches acknowledged documents during the live splits (failed queries: goal 0);
 *    then a namespace the size of the smallest tier is queried in turns with the largest, so the
 *    growth ratio is also measured under one and the same machine load.
 * The reference in the same run: an exact scan in process over the same vectors (what one query
 * would cost without partitioning), and /healthz through the same client (the per-request floor).
 * Prints progress, then one JSON line.
 */
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadKernelsSync } from '../../wasm/src/node.ts';
import { locateManPages, passages } from '../../wasm/bench/man-corpus.ts';
import { LexicalEmbedder } from '@proxima/wasm';
import { bruteForce } from '../../wasm/bench/truth.ts';
import { percentile, round } from '../gateway/stats.ts';
import { closedSocketRetries } from '../../tests/closed-socket-retry.ts';
import { startBenchEdge } from './edge.ts';
import { labelledPhase, MODES } from './labelled.ts';
import { scalePhase, scaleTexts } from './scale.ts';

function intList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const list = raw.split(',').map(Number);
  if (list.some((n) => !Number.isInteger(n) || n <= 0))
    throw new Error(`${name} must be comma-separated positive integers: ${raw}`);
  return list.sort((a, b) => a - b);
}
const int = (name: string, fallback: number) => intList(name, [fallback])[0]!;

const TIERS = intList('BENCH_RAG_TIERS', [10_000, 100_000, 1_000_000]);
const QUERIES = int('BENCH_RAG_QUERIES', 200);
const LABELLED_DOCS = int('BENCH_RAG_LABELLED_DOCS', 2000);
const LABELLED_QUERIES = int('BENCH_RAG_LABELLED_QUERIES', 1000);
const THRESHOLD = int('BENCH_RAG_SPLIT_CHUNKS', 20_000);
const PACKAGES = (process.env.BENCH_RAG_PACKAGES ?? 'manpages,manpages-dev,man-db').split(',');

const log = (line: string) => console.log(line);
const kernels = loadKernelsSync({ maxMemoryBytes: 1024 * 1024 * 1024 });

// The edge's own log lines go to BENCH_RAG_EDGE_LOG when set (splits, errors), else nowhere.
const edgeLog = process.env.BENCH_RAG_EDGE_LOG;
const edge = await startBenchEdge(
  { RAG_SHARD_SPLIT_CHUNKS: String(THRESHOLD) },
  edgeLog === undefined ? undefined : (line) => appendFileSync(edgeLog, `${line}\n`),
);
try {
  log(`bench:rag — edge at ${edge.url}, shards split past ${THRESHOLD} chunks`);
  log('1. labelled man-page set');
  const labelled = await labelledPhase(
    edge,
    { maxDocs: LABELLED_DOCS, maxQueries: LABELLED_QUERIES, seed: 1, packages: PACKAGES },
    THRESHOLD,
  );
  log(`  ${labelled.note}`);
  log(
    `  ${labelled.docs} documents, ${labelled.chunks} chunks in ${round(labelled.ingestSeconds, 1)} s; ${labelled.queries} queries`,
  );
  for (const mode of MODES)
    log(`  recall@10 ${mode.padEnd(6)} ${round(labelled.recallAt10[mode], 4)}`);

  log('2. the shard path as the corpus grows');
  const largest = TIERS[TIERS.length - 1]!;
  const corpus = passages(locateManPages(2000), 40, 20, largest + QUERIES);
  const texts = scaleTexts(corpus, largest + QUERIES, 11);
  const queries = texts.slice(largest);
  const scale = await scalePhase(edge, kernels, texts, queries, TIERS, QUERIES, THRESHOLD, log);

  // References: the per-request floor, and an exact in-process scan of the largest tier.
  const floor: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await (await fetch(`${edge.url}/healthz`)).text();
    floor.push(performance.now() - t0);
  }
  const embedder = new LexicalEmbedder();
  const dim = embedder.dim;
  const sample = Math.min(20, queries.length);
  const data = new Float32Array(largest * dim);
  for (let i = 0; i < largest; i++) data.set(embedder.embed(texts[i]!), i * dim);
  const exactMs: number[] = [];
  for (let q = 0; q < sample; q++) {
    const t0 = performance.now();
    bruteForce(kernels, data, embedder.embed(queries[q]!), dim, 10);
    exactMs.push(performance.now() - t0);
  }

  const healthzP99 = round(percentile(floor, 99), 2);
  const exactP50 = round(percentile(exactMs, 50), 2);
  const first = scale.tiers[0]!;
  const last = scale.tiers[scale.tiers.length - 1]!;
  const tierKey = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}m` : `${n / 1000}k`);
  const summary: Record<string, unknown> = {
    ingest_chunks_per_s: scale.ingestChunksPerS,
    ...Object.fromEntries(
      scale.tiers.map((t) => [`query_p99_ms_${tierKey(t.vectors)}`, t.queryP99Ms]),
    ),
    ...Object.fromEntries(
      scale.tiers.map((t) => [`query_p50_ms_${tierKey(t.vectors)}`, t.queryP50Ms]),
    ),
    ...Object.fromEntries(scale.tiers.map((t) => [`shards_${tierKey(t.vectors)}`, t.shards])),
    ...Object.fromEntries(
      scale.tiers.map((t) => [`recall_at_10_${tierKey(t.vectors)}`, t.recallAt10]),
    ),
    recall_at_10: Math.min(...scale.tiers.map((t) => t.recallAt10)),
    query_p99_ratio_largest_to_smallest: round(last.queryP99Ms / first.queryP99Ms, 2),
    ...(scale.interleaved === null
      ? {}
      : {
          interleaved_query_p99_ms_small: scale.interleaved.smallP99Ms,
          interleaved_query_p99_ms_large: scale.interleaved.largeP99Ms,
          interleaved_query_p99_ratio: round(
            scale.interleaved.largeP99Ms / scale.interleaved.smallP99Ms,
            2,
          ),
        }),
    labelled_recall_at_10_bm25: round(labelled.recallAt10.bm25, 4),
    labelled_recall_at_10_vector: round(labelled.recallAt10.vector, 4),
    labelled_recall_at_10_hybrid: round(labelled.recallAt10.hybrid, 4),
    labelled_docs: labelled.docs,
    labelled_queries: labelled.queries,
    split_failed_queries: scale.splitFailedQueries,
    split_misses_transient: scale.splitMisses.transient,
    split_misses_ranked_out: scale.splitMisses.rankedOut,
    split_misses_unrouted: scale.splitMisses.unrouted,
    split_misses_errored: scale.splitMisses.errored,
    split_queries: scale.splitQueries,
    splits: scale.splits,
    client_socket_retries: closedSocketRetries.count,
    reference_healthz_p99_ms: healthzP99,
    reference_exact_scan_ms_largest: exactP50,
    goal_flat_curve_met: last.queryP99Ms <= 2 * first.queryP99Ms,
    goal_recall_met: Math.min(...scale.tiers.map((t) => t.recallAt10)) >= 0.95,
    goal_hybrid_beats_both:
      labelled.recallAt10.hybrid > labelled.recallAt10.bm25 &&
      labelled.recallAt10.hybrid > labelled.recallAt10.vector,
    goal_split_failed_zero: scale.splitFailedQueries === 0,
  };
  log(
    `  references: /healthz p99 ${healthzP99} ms; exact scan of ${largest} in process ${exactP50} ms a query`,
  );
  console.log(JSON.stringify(summary));
} finally {
  await edge.stop();
}
