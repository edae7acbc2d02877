// npx node bench/rag/fanout-cost.ts — what one more shard costs a search through the local edge.
// One namespace of PROBE_N chunks (default 20,000) split past PROBE_T (2,500) into small shards;
// 250 timed queries per mode (vector, bm25, hybrid) at a fixed fan-out PROBE_P (RAG_PROBE_MIN =
// MAX = P). Run it at P = 1 and P = 8: the difference over 7 is the per-shard cost. Final line JSON.
import { locateManPages, passages } from '../../wasm/bench/man-corpus.ts';
import { percentile, round } from '../gateway/stats.ts';
import { postDocuments, search, settled, startBenchEdge } from './edge.ts';
import { scaleTexts } from './scale.ts';

const P = process.env.PROBE_P ?? '1';
const N = Number(process.env.PROBE_N ?? 20000);
const T = Number(process.env.PROBE_T ?? 2500);
const all = passages(locateManPages(2000), 40, 20, N + 200);
const texts = scaleTexts(all, N + 200, 3);
const edge = await startBenchEdge({
  RAG_SHARD_SPLIT_CHUNKS: String(T),
  RAG_PROBE_MIN_SHARDS: P,
  RAG_PROBE_MAX_SHARDS: P,
});
try {
  for (let s = 0; s < N; s += 256) {
    const docs = [];
    for (let i = s; i < Math.min(s + 256, N); i++) docs.push({ id: `d${i}`, text: texts[i]! });
    await postDocuments(edge, 'p', docs);
  }
  const state = await settled(edge, 'p', T);
  const out: Record<string, number> = { shards: state.shards.length };
  for (const mode of ['vector', 'bm25', 'hybrid'] as const) {
    const ms: number[] = [];
    for (let q = 0; q < 300; q++) {
      const t0 = performance.now();
      await search(edge, 'p', texts[N + (q % 200)]!, mode, 10);
      if (q >= 50) ms.push(performance.now() - t0);
    }
    out[`${mode}_p50`] = round(percentile(ms, 50), 2);
    out[`${mode}_p99`] = round(percentile(ms, 99), 2);
  }
  console.log(JSON.stringify({ P, ...out }));
} finally {
  await edge.stop();
}
