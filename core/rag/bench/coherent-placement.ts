// npx node core/rag/bench/coherent-placement.ts — would shards hold a query's neighbours together if
// rows were placed next to their own neighbours instead of by nearest centroid? cell-routing.ts
// found that at 1M chunks a query's exact top 10 sits in ~5 of 76 shards and that nothing a shard
// can publish finds them. Two layouts, rows streamed in order, splits as the product does them
// (planSplit, each row to the nearer child):
//  - centroid: the product's, a row goes to the nearest shard centroid;
//  - neighbours: a navigation sample of placed rows (every SAMPLE_EVERY-th row, with the shard it
//    now lives in) votes: a row goes to the shard most of its VOTERS nearest sampled rows live in.
//    A query is routed by the same vote, so placement and routing are one rule.
// Measured per layout: how many shards hold a query's exact top 10 (the oracle bound at 1/2/4/8
// shards) and routing recall at a fixed fan-out P (centroid layout: nearest centroids; neighbours
// layout: most votes). Env: COH_N (200000), COH_QUERIES (200), COH_SET (chimeras), COH_EVERY (50),
// COH_VOTERS (16). The final line is JSON.
import { loadKernelsSync } from '@proxima/wasm/node';
import { manPageSet, syntheticSet, type VectorSet } from '../../../wasm/bench/datasets.ts';
import { bruteForce, type Truth } from '../../../wasm/bench/truth.ts';
import { seededRng } from '../../lsh/index.ts';
import { chooseProbes, fixedProbe, planSplit, shouldSplit } from '../shard-map.ts';
import { chimeraSet } from './chimeras.ts';
import { heldByFullest, neighbourCounts, shardOfRows } from './neighbour-shards.ts';
import { gather, placeAsProduct } from './replicated-shards.ts';

const N = Number(process.env['COH_N'] ?? 200_000);
const NQ = Number(process.env['COH_QUERIES'] ?? 200);
const SET = process.env['COH_SET'] ?? 'chimeras';
const EVERY = Number(process.env['COH_EVERY'] ?? 50);
const VOTERS = Number(process.env['COH_VOTERS'] ?? 16);
const DIM = 256;
const K = 10;
const BLOCK = 1024;
const FANOUTS = [1, 2, 4, 8, 16];

const kernels = loadKernelsSync({ maxMemoryBytes: 1024 * 1024 * 1024 });
const log = (s: string): void => console.log(s);
const round = (x: number): number => Math.round(x * 10_000) / 10_000;

/** Shard votes of the VOTERS sampled rows nearest to each of `rows` (one row of votes each). */
function votes(
  rows: Float32Array,
  sample: Float32Array,
  sampleShard: Int32Array,
  shards: number,
): Float32Array[] {
  const n = rows.length / DIM;
  const width = sample.length / DIM;
  const out: Float32Array[] = [];
  if (width === 0) return Array.from({ length: n }, () => new Float32Array(shards));
  const scores = kernels.dotMatrixF32(rows, sample, DIM);
  for (let i = 0; i < n; i++) {
    const s = scores.subarray(i * width, i * width + width);
    const v = new Float32Array(shards);
    // Votes count; the best voter's score only breaks ties between counts.
    const top = kernels.topK(s, Math.min(VOTERS, width));
    top.indices.forEach((j, rank) => {
      const sh = sampleShard[j]!;
      v[sh]! += 1 + (rank === 0 ? 0.5 : 0);
    });
    out.push(v);
  }
  return out;
}

interface Layout {
  readonly members: number[][];
  /** Routing scores of each query over the shards. */
  readonly route: Float32Array[];
}

/** The neighbours layout: rows placed by the votes of their nearest sampled rows. */
function neighbourLayout(set: VectorSet): Layout {
  const rng = seededRng(17);
  const members: number[][] = [[]];
  const shardOf = new Int32Array(N).fill(-1);
  const sampled: number[] = [];
  let sample: Float32Array = new Float32Array(0);
  let sampleShard = new Int32Array(0);
  const refreshSample = (): void => {
    sample = gather(set.data, DIM, sampled);
    sampleShard = Int32Array.from(sampled, (r) => shardOf[r]!);
  };
  for (let start = 0; start < N; start += BLOCK) {
    const end = Math.min(N, start + BLOCK);
    const block = set.data.subarray(start * DIM, end * DIM);
    const v = votes(block, sample, sampleShard, members.length);
    for (let r = start; r < end; r++) {
      const mine = v[r - start]!;
      let best = 0;
      for (let s = 1; s < mine.length; s++) if (mine[s]! > mine[best]!) best = s;
      members[best]!.push(r);
      shardOf[r] = best;
      if (r % EVERY === 0) sampled.push(r);
      if (!shouldSplit(members[best]!.length)) continue;
      // Split as the product does: 2-means, each row to the nearer child (the second child is new).
      const rows = members[best]!;
      const units = gather(set.data, DIM, rows);
      const [a, b] = planSplit(units, DIM, rng, kernels);
      const stay: number[] = [];
      const move: number[] = [];
      rows.forEach((row, j) => {
        const x = units.subarray(j * DIM, j * DIM + DIM);
        (kernels.dotF32(x, b) > kernels.dotF32(x, a) ? move : stay).push(row);
      });
      members[best] = stay;
      members.push(move);
      for (const row of move) shardOf[row] = members.length - 1;
    }
    refreshSample();
  }
  return { members, route: votes(set.queries, sample, sampleShard, members.length) };
}

function centroidLayout(set: VectorSet): Layout {
  const flat = placeAsProduct(set.data, DIM, set.name, kernels);
  const count = flat.dir.shards.length;
  const scores = kernels.dotMatrixF32(set.queries, flat.centroids, DIM);
  return {
    members: flat.members.map((m) => [...m]),
    route: Array.from({ length: NQ }, (_, q) => scores.slice(q * count, q * count + count)),
  };
}

interface Row {
  readonly layout: string;
  readonly shards: number;
  readonly spread: number;
  readonly oracle: Record<string, number>;
  readonly routed: Record<string, number>;
}

function measure(name: string, layout: Layout, truth: Truth): Row {
  const shardOf = shardOfRows(layout.members, N);
  let spread = 0;
  const oracle = FANOUTS.map(() => 0);
  const routed = FANOUTS.map(() => 0);
  for (let q = 0; q < NQ; q++) {
    const counts = neighbourCounts(truth.ids, q, K, shardOf);
    spread += counts.size;
    FANOUTS.forEach((p, i) => {
      oracle[i]! += heldByFullest(counts, p);
      const visit = new Set(chooseProbes(layout.route[q]!, fixedProbe(p)));
      for (const [s, c] of counts) if (visit.has(s)) routed[i]! += c;
    });
  }
  const row: Row = {
    layout: name,
    shards: layout.members.length,
    spread: round(spread / NQ),
    oracle: Object.fromEntries(FANOUTS.map((p, i) => [`P${p}`, round(oracle[i]! / (NQ * K))])),
    routed: Object.fromEntries(FANOUTS.map((p, i) => [`P${p}`, round(routed[i]! / (NQ * K))])),
  };
  log(
    `  ${name}: ${row.shards} shards; top 10 in ${row.spread} shards; oracle ${JSON.stringify(row.oracle)}; routed ${JSON.stringify(row.routed)}`,
  );
  return row;
}

const set =
  SET === 'manpages'
    ? manPageSet(N, NQ, DIM, 5)
    : SET === 'synthetic'
      ? syntheticSet(N, NQ, DIM, 5)
      : chimeraSet(N, NQ, DIM).set;
log(`${set.name}: ${N} rows, ${NQ} queries; sample every ${EVERY}th row, ${VOTERS} voters`);
const truth = bruteForce(kernels, set.data, set.queries, DIM, K);
const rows = [
  measure('centroid', centroidLayout(set), truth),
  measure('neighbours', neighbourLayout(set), truth),
];
console.log(
  JSON.stringify({ set: set.name, n: N, queries: NQ, every: EVERY, voters: VOTERS, rows }),
);
