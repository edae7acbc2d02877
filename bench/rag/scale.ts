// Phase 2 of bench:rag: the shard path as the corpus grows. Single-chunk documents go in through
// the HTTP API while a checker keeps searching for documents already acknowledged (each must come
// back first: a miss or an error during a split is a failed query). At each tier, once the splits
// have settled, query latency is measured and recall@10 against exact search over everything.
import { performance } from 'node:perf_hooks';
import { seededRng, type VectorKernels } from '@proxima/core/lsh';
import { RAG_LIMITS } from '@proxima/core/rag';
import { LexicalEmbedder } from '@proxima/wasm';
import { bruteForce, recallAtK } from '../../wasm/bench/truth.ts';
import { percentile, round } from '../gateway/stats.ts';
import { describeNamespace, postDocuments, search, settled, type BenchEdge } from './edge.ts';

export interface TierResult {
  readonly vectors: number;
  readonly shards: number;
  readonly queryP50Ms: number;
  readonly queryP99Ms: number;
  readonly recallAt10: number;
}

/** The smallest and the largest tier queried in turns, so both see the same machine load. */
export interface InterleavedResult {
  readonly smallVectors: number;
  readonly largeVectors: number;
  readonly smallP99Ms: number;
  readonly largeP99Ms: number;
}

export interface ScaleResult {
  readonly tiers: TierResult[];
  readonly interleaved: InterleavedResult | null;
  readonly ingestChunksPerS: number;
  readonly splitQueries: number;
  readonly splitFailedQueries: number;
  /** The failed queries sorted by what a second look, once no split runs, finds. */
  readonly splitMisses: SplitMisses;
  readonly splits: number;
}

/**
 * Why a checker query missed its document, asked again once the splits are over: `transient`
 * (found in the top 3 now: it was out of sight during a split, the race the goal is about),
 * `rankedOut` (found in the top 50 but not the top 3: other chunks score as high, no routing
 * fault), `unrouted` (not in the top 50: its shard is not among those the query visits), or
 * `errored` (the query failed outright).
 */
export interface SplitMisses {
  readonly transient: number;
  readonly rankedOut: number;
  readonly unrouted: number;
  readonly errored: number;
}

async function classifyMisses(
  edge: BenchEdge,
  texts: readonly string[],
  missed: readonly number[],
  errored: number,
): Promise<SplitMisses> {
  let transient = 0;
  let rankedOut = 0;
  let unrouted = 0;
  for (const i of missed) {
    const hits = await search(edge, NS, texts[i]!, 'vector', RAG_LIMITS.topKMax);
    const rank = hits.findIndex((h) => h.document_id === `d${i}`);
    if (rank >= 0 && rank < 3) transient++;
    else if (rank >= 3) rankedOut++;
    else unrouted++;
  }
  return { transient, rankedOut, unrouted, errored };
}

const BATCH = 256;
const NS = 'scale';
const NS_SMALL = 'scale-small';

async function ingest(
  edge: BenchEdge,
  ns: string,
  texts: readonly string[],
  from: number,
  to: number,
): Promise<void> {
  for (let s = from; s < to; s += BATCH) {
    const docs = [];
    for (let i = s; i < Math.min(s + BATCH, to); i++) docs.push({ id: `d${i}`, text: texts[i]! });
    await postDocuments(edge, ns, docs);
  }
}

/** `n` unique texts: man-page passages, then halves of two passages joined (seeded). */
export function scaleTexts(passages: readonly string[], n: number, seed: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const p of passages) {
    if (out.length >= n) return out;
    if (seen.has(p)) continue;
    seen.add(p);
    out.push(p);
  }
  const rng = seededRng(seed);
  const halves = passages.map((p) => {
    const w = p.split(' ');
    return [w.slice(0, w.length >> 1).join(' '), w.slice(w.length >> 1).join(' ')] as const;
  });
  while (out.length < n) {
    const a = halves[Math.floor(rng.next() * halves.length)]![0];
    const b = halves[Math.floor(rng.next() * halves.length)]![1];
    const t = `${a} ${b}`;
    if (seen.has(t)) continue;
    seen.add(t);
    out.push(t);
  }
  return out;
}

export async function scalePhase(
  edge: BenchEdge,
  kernels: VectorKernels,
  texts: readonly string[],
  queries: readonly string[],
  tiers: readonly number[],
  queriesPerTier: number,
  threshold: number,
  log: (line: string) => void,
): Promise<ScaleResult> {
  const embedder = new LexicalEmbedder();
  const dim = embedder.dim;
  const qv = new Float32Array(queries.length * dim);
  queries.forEach((q, i) => qv.set(embedder.embed(q), i * dim));
  const data = new Float32Array(Math.max(...tiers) * dim);
  let acknowledged = 0;
  let checking = true;
  let splitQueries = 0;
  let splitFailedQueries = 0;
  const missed: number[] = [];
  let errored = 0;
  const rng = seededRng(7);
  // The checker: read-your-writes and correctness while shards split under it.
  const checker = (async () => {
    while (checking) {
      if (acknowledged === 0) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const i = Math.floor(rng.next() * acknowledged);
      splitQueries++;
      try {
        const hits = await search(edge, NS, texts[i]!, 'vector', 3);
        if (!hits.some((h) => h.document_id === `d${i}`)) {
          splitFailedQueries++;
          missed.push(i);
        }
      } catch (err) {
        splitFailedQueries++;
        errored++;
        log(`  checker: ${String(err).slice(0, 200)}`);
      }
    }
  })();
  const results: TierResult[] = [];
  let ingestMs = 0;
  let ingested = 0;
  try {
    for (const tier of tiers) {
      const started = performance.now();
      for (let from = ingested; from < tier; from += BATCH * 2) {
        // Two requests in flight: the namespace object orders them.
        await Promise.all(
          [from, from + BATCH]
            .filter((s) => s < tier)
            .map(async (s) => {
              const docs = [];
              for (let i = s; i < Math.min(s + BATCH, tier); i++) {
                docs.push({ id: `d${i}`, text: texts[i]! });
                data.set(embedder.embed(texts[i]!), i * dim);
              }
              await postDocuments(edge, NS, docs);
            }),
        );
        acknowledged = Math.min(from + BATCH * 2, tier);
        if (acknowledged % 51_200 === 0) log(`  ${acknowledged} chunks in`);
      }
      const state = await settled(edge, NS, threshold);
      ingestMs += performance.now() - started;
      ingested = tier;
      const latencies: number[] = [];
      const returned: number[][] = [];
      for (let q = 0; q < queriesPerTier; q++) {
        const text = queries[q % queries.length]!;
        const t0 = performance.now();
        await search(edge, NS, text, 'hybrid', 10);
        latencies.push(performance.now() - t0);
        if (q < queries.length) {
          const vector = await search(edge, NS, text, 'vector', 10);
          returned.push(vector.map((h) => Number(h.document_id.slice(1))));
        }
      }
      const tierData = data.subarray(0, tier * dim);
      const truth = bruteForce(kernels, tierData, qv, dim, 10);
      const recall = recallAtK(truth, tierData, qv, dim, returned);
      const result: TierResult = {
        vectors: tier,
        shards: state.shards.length,
        queryP50Ms: round(percentile(latencies, 50), 2),
        queryP99Ms: round(percentile(latencies, 99), 2),
        recallAt10: round(recall, 4),
      };
      results.push(result);
      log(
        `  ${tier} vectors in ${state.shards.length} shards: query p50 ${result.queryP50Ms} ms, p99 ${result.queryP99Ms} ms, recall@10 ${result.recallAt10}`,
      );
    }
  } finally {
    checking = false;
    await checker;
  }
  // A second namespace as large as the smallest tier, queried in turns with the largest one.
  let interleaved: InterleavedResult | null = null;
  const small = tiers[0]!;
  const large = tiers[tiers.length - 1]!;
  if (large > small) {
    await ingest(edge, NS_SMALL, texts, 0, small);
    await settled(edge, NS_SMALL, threshold);
    const smallMs: number[] = [];
    const largeMs: number[] = [];
    for (let q = 0; q < queriesPerTier; q++) {
      const text = queries[q % queries.length]!;
      for (const [ns, into] of [
        [NS_SMALL, smallMs],
        [NS, largeMs],
      ] as const) {
        const t0 = performance.now();
        await search(edge, ns, text, 'hybrid', 10);
        into.push(performance.now() - t0);
      }
    }
    interleaved = {
      smallVectors: small,
      largeVectors: large,
      smallP99Ms: round(percentile(smallMs, 99), 2),
      largeP99Ms: round(percentile(largeMs, 99), 2),
    };
    log(
      `  interleaved: ${small} vectors p99 ${interleaved.smallP99Ms} ms, ${large} vectors p99 ${interleaved.largeP99Ms} ms`,
    );
  }
  const state = await describeNamespace(edge, NS);
  const splitMisses = await classifyMisses(edge, texts, missed, errored);
  log(
    `  checker: ${splitFailedQueries} of ${splitQueries} missed during splits; asked again: ${JSON.stringify(splitMisses)}`,
  );
  return {
    tiers: results,
    interleaved,
    ingestChunksPerS: round(ingested / (ingestMs / 1000), 1),
    splitQueries,
    splitFailedQueries,
    splitMisses,
    splits: state.shards.length - 1,
  };
}
