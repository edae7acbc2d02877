// npx node core/rag/bench/cell-routing.ts — can a finer summary of each shard than its one centroid
// route a query at 1M rows? Rows stream in as the product writes them (placeAsProduct). Each
// shard then trains its IVF cells as ShardEngine does (2√n cells at the last doubling of 2,048).
// Compared, per query:
//  - shards: the product today, adaptive probing over shard centroids, each visited shard probing
//    70 % of its cells (what a visited shard scans is estimated as 70 % of its rows);
//  - summaries S: each shard publishes S k-means centroids of its rows, a shard scores the best of
//    its S, then adaptive or fixed probing as today;
//  - samples m: each shard publishes m of its rows; a shard scores how many of them are among the
//    query's best 64 samples (sample-based resource selection, as ReDDE);
//  - terms 2^b: each shard keeps its BM25 terms' document frequencies in 2^b counters and scores
//    the query's terms as CORI does (chimeras only: it needs the texts);
//  - cells C: every shard's cells are scored and the best C cells over the whole namespace are
//    scanned (a global IVF whose lists live in shards); a shard is visited when it owns one;
//  - oracle b: the b shards holding most of the query's exact top 10, a bound on any router.
// Measured: recall@10 of the rows the query scans (the exact top 10 held by them), rows scanned and
// shards visited. Env: CELL_N (1000000), CELL_QUERIES (300), CELL_SETS (synthetic,manpages),
// CELL_C (64,128,256,512,1024), CELL_S (8,16,32), CELL_SAMPLES (128,512), CELL_SKETCH_BITS (14,16);
// CELL_SETS may also name chimeras, bench:rag's own corpus; CELL_WIDE adds fixed fan-outs (32,48).
// The final line is JSON.
import { loadKernelsSync } from '@proxima/wasm/node';
import { manPageSet, syntheticSet, type VectorSet } from '../../../wasm/bench/datasets.ts';
import { bruteForce, type Truth } from '../../../wasm/bench/truth.ts';
import { chooseCells, seededRng, trainCentroids } from '../../lsh/index.ts';
import { chooseProbes, DEFAULT_PROBE_POLICY, fixedProbe } from '../shard-map.ts';
import { termsOf } from '../terms.ts';
import { chimeraSet } from './chimeras.ts';
import { heldByFullest, neighbourCounts, shardOfRows } from './neighbour-shards.ts';
import { gather, placeAsProduct } from './replicated-shards.ts';

const list = (name: string, fallback: string): number[] =>
  (process.env[name] ?? fallback)
    .split(',')
    .filter((x) => x !== '')
    .map(Number);
const N = Number(process.env['CELL_N'] ?? 1_000_000);
const NQ = Number(process.env['CELL_QUERIES'] ?? 300);
const SETS = (process.env['CELL_SETS'] ?? 'synthetic,manpages').split(',');
const CS = list('CELL_C', '64,128,256,512,1024');
const SS = list('CELL_S', '8,16,32');
const DIM = 256;
const K = 10;
const TRAIN_AT = 2048;

const kernels = loadKernelsSync({ maxMemoryBytes: 1024 * 1024 * 1024 });
const log = (s: string): void => console.log(s);
const round = (x: number): number => Math.round(x * 10_000) / 10_000;

/** The row count a shard of n rows last trained at (ShardEngine retrains at each doubling). */
function trainedAt(n: number): number {
  let at = TRAIN_AT;
  while (2 * at <= n) at *= 2;
  return at;
}

interface Cells {
  /** All cells of all shards, row-major. */
  readonly centroids: Float32Array;
  /** The shard of each cell. */
  readonly shardOf: Uint32Array;
  /** The rows of each cell. */
  readonly rows: number[][];
}

/** Trains each shard's cells as ShardEngine does and assigns its rows to the nearest. */
function shardCells(data: Float32Array, members: readonly (readonly number[])[]): Cells {
  const parts: Float32Array[] = [];
  const shardOf: number[] = [];
  const rows: number[][] = [];
  members.forEach((m, s) => {
    const units = gather(data, DIM, m);
    if (m.length < TRAIN_AT) {
      // An untrained shard is one cell: its mean.
      const mean = new Float32Array(DIM);
      for (let i = 0; i < units.length; i++) mean[i % DIM]! += units[i]!;
      const norm = Math.hypot(...mean) || 1;
      for (let i = 0; i < DIM; i++) mean[i]! /= norm;
      parts.push(mean);
      shardOf.push(s);
      rows.push([...m]);
      return;
    }
    const at = trainedAt(m.length);
    const count = chooseCells(at);
    const take = Math.min(at, 40 * count);
    const sample = new Float32Array(take * DIM);
    for (let i = 0; i < take; i++) {
      const r = Math.floor((i * at) / take);
      sample.set(units.subarray(r * DIM, r * DIM + DIM), i * DIM);
    }
    const centroids = trainCentroids(kernels, sample, DIM, count, 8, seededRng(s + 1));
    const scores = kernels.dotMatrixF32(units, centroids, DIM);
    const own: number[][] = Array.from({ length: count }, () => []);
    for (let j = 0; j < m.length; j++) {
      let best = 0;
      for (let c = 1; c < count; c++)
        if (scores[j * count + c]! > scores[j * count + best]!) best = c;
      own[best]!.push(m[j]!);
    }
    parts.push(centroids);
    for (let c = 0; c < count; c++) shardOf.push(s);
    rows.push(...own);
  });
  const centroids = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    centroids.set(p, at);
    at += p.length;
  }
  return { centroids, shardOf: Uint32Array.from(shardOf), rows };
}

/** S k-means centroids of each shard's rows, and the shard of each. */
function summaries(data: Float32Array, members: readonly (readonly number[])[], s: number) {
  const parts: Float32Array[] = [];
  const shardOf: number[] = [];
  members.forEach((m, i) => {
    const take = Math.min(m.length, 40 * s);
    const sample = new Float32Array(take * DIM);
    for (let j = 0; j < take; j++) {
      const r = m[Math.floor((j * m.length) / take)]!;
      sample.set(data.subarray(r * DIM, r * DIM + DIM), j * DIM);
    }
    const count = Math.min(s, take);
    parts.push(trainCentroids(kernels, sample, DIM, count, 8, seededRng(i + 101)));
    for (let c = 0; c < count; c++) shardOf.push(i);
  });
  const centroids = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    centroids.set(p, at);
    at += p.length;
  }
  return { centroids, shardOf: Uint32Array.from(shardOf) };
}

/** Per-row BM25 term ids, when the set has texts (chimeras). */
let rowTerms: Uint32Array[] | null = null;
let queryTerms: Uint32Array[] | null = null;
const SAMPLES = list('CELL_SAMPLES', '128,512');
const SKETCH_BITS = list('CELL_SKETCH_BITS', '14,16');

interface Row {
  readonly set: string;
  readonly shards: number;
  readonly route: string;
  readonly recall: number;
  readonly visited: number;
  readonly scanned: number;
}

function held(truth: Truth, q: number, rows: Iterable<number>): number {
  const set = new Set(rows);
  let h = 0;
  for (let i = 0; i < K; i++) if (set.has(truth.ids[q * K + i]!)) h++;
  return h;
}

function study(set: VectorSet): Row[] {
  const nq = set.queries.length / DIM;
  const truth = bruteForce(kernels, set.data, set.queries, DIM, K);
  const flat = placeAsProduct(set.data, DIM, set.name, kernels);
  const count = flat.dir.shards.length;
  const out: Row[] = [];
  const push = (route: string, h: number, visited: number, scanned: number): void => {
    const row = {
      set: set.name,
      shards: count,
      route,
      recall: round(h / (nq * K)),
      visited: round(visited / nq),
      scanned: Math.round(scanned / nq),
    };
    out.push(row);
    log(
      `  ${set.name} ${count} shards, ${route}: recall ${row.recall}, ${row.visited} shards, ${row.scanned} rows`,
    );
  };

  // Today: shard centroids, adaptive; a visited shard scans ~70 % of its rows.
  const byShard = (scores: Float32Array, width: number, shardOf?: Uint32Array) =>
    Array.from({ length: nq }, (_, q) => {
      const s = scores.subarray(q * width, q * width + width);
      if (!shardOf) return s;
      const best = new Float32Array(count).fill(-Infinity);
      for (let j = 0; j < width; j++) best[shardOf[j]!] = Math.max(best[shardOf[j]!]!, s[j]!);
      return best;
    });
  const policies = [
    { label: 'adaptive', policy: DEFAULT_PROBE_POLICY },
    { label: 'P=4', policy: fixedProbe(4) },
    { label: 'P=8', policy: fixedProbe(8) },
    { label: 'P=16', policy: fixedProbe(16) },
    ...list('CELL_WIDE', '').map((p) => ({ label: `P=${p}`, policy: fixedProbe(p) })),
  ];
  const route = (label: string, perShard: Float32Array[]): void => {
    for (const { label: p, policy } of policies) {
      let h = 0;
      let visited = 0;
      let scanned = 0;
      perShard.forEach((s, q) => {
        const chosen = chooseProbes(s, policy);
        visited += chosen.length;
        for (const c of chosen) scanned += 0.7 * flat.members[c]!.length;
        h += held(
          truth,
          q,
          chosen.flatMap((c) => flat.members[c]!),
        );
      });
      push(`${label} ${p}`, h, visited, scanned);
    }
  };
  // The oracle: the shards that hold each query's exact top 10, fullest first. Any router that
  // visits b shards recalls at most what the oracle's first b hold.
  const shardOf = shardOfRows(flat.members, set.data.length / DIM);
  const budgets = [1, 2, 4, 8, 16];
  const oracleHeld = budgets.map(() => 0);
  let distinct = 0;
  for (let q = 0; q < nq; q++) {
    const counts = neighbourCounts(truth.ids, q, K, shardOf);
    distinct += counts.size;
    budgets.forEach((b, i) => (oracleHeld[i]! += heldByFullest(counts, b)));
  }
  log(
    `  ${set.name}: a query's exact top 10 sits in ${(distinct / nq).toFixed(2)} shards on average`,
  );
  budgets.forEach((b, i) => push(`oracle ${b} shards`, oracleHeld[i]!, Math.min(b, count) * nq, 0));
  route('centroid', byShard(kernels.dotMatrixF32(set.queries, flat.centroids, DIM), count));
  for (const s of SS) {
    const sum = summaries(set.data, flat.members, s);
    const width = sum.shardOf.length;
    route(
      `summaries S=${s}`,
      byShard(kernels.dotMatrixF32(set.queries, sum.centroids, DIM), width, sum.shardOf),
    );
  }

  // Sample-based (ReDDE-like): each shard publishes m evenly spaced rows; a shard's score is how
  // many of its samples are among the query's best 64 samples over all shards (ties: best sample).
  for (const m of SAMPLES) {
    const picked: number[] = [];
    const owner: number[] = [];
    flat.members.forEach((rows, sh) => {
      const take = Math.min(m, rows.length);
      for (let j = 0; j < take; j++) {
        picked.push(rows[Math.floor((j * rows.length) / take)]!);
        owner.push(sh);
      }
    });
    const sample = gather(set.data, DIM, picked);
    const sc = kernels.dotMatrixF32(set.queries, sample, DIM);
    const width = picked.length;
    const per = Array.from({ length: nq }, (_, q) => {
      const row = sc.subarray(q * width, q * width + width);
      const score = new Float32Array(count);
      // The best sample of each shard, mapped into [0, 0.5): only breaks ties between counts.
      for (let i = 0; i < width; i++)
        score[owner[i]!] = Math.max(score[owner[i]!]!, (row[i]! + 1) / 4);
      const top = kernels.topK(row, Math.min(64, width));
      for (const i of top.indices) score[owner[i]!]! += 1;
      return score;
    });
    route(`samples m=${m}`, per);
  }
  // Term sketches (CORI-like resource selection): each shard keeps document frequencies of its
  // rows' BM25 terms in 2^b counters; a shard scores Σ over query terms of T·I.
  if (rowTerms && queryTerms) {
    for (const b of SKETCH_BITS) {
      const size = 1 << b;
      const mask = size - 1;
      const df = flat.members.map((rows) => {
        const c = new Uint16Array(size);
        for (const r of rows)
          for (const t of rowTerms![r]!) c[t & mask] = Math.min(65535, c[t & mask]! + 1);
        return c;
      });
      const avg = flat.members.reduce((a, r) => a + r.length, 0) / count;
      const per = queryTerms.map((terms) => {
        const score = new Float32Array(count);
        for (const t of terms) {
          let holders = 0;
          for (const c of df) if (c[t & mask]! > 0) holders++;
          if (holders === 0) continue;
          const idf = Math.log((count + 0.5) / holders) / Math.log(count + 1);
          df.forEach((c, sh) => {
            const d = c[t & mask]!;
            const T = d / (d + 50 + (150 * flat.members[sh]!.length) / avg);
            score[sh]! += 0.4 + 0.6 * T * idf;
          });
        }
        return score;
      });
      route(`terms 2^${b}`, per);
    }
  }

  if (CS.length === 0) return out;
  const cells = shardCells(set.data, flat.members);
  const width = cells.shardOf.length;
  log(`  ${set.name}: ${width} cells over ${count} shards`);
  const scores = kernels.dotMatrixF32(set.queries, cells.centroids, DIM);
  for (const c of CS) {
    let h = 0;
    let visited = 0;
    let scanned = 0;
    for (let q = 0; q < nq; q++) {
      const top = kernels.topK(scores.subarray(q * width, q * width + width), Math.min(c, width));
      const shards = new Set<number>();
      const rows: number[] = [];
      for (const j of top.indices) {
        shards.add(cells.shardOf[j]!);
        rows.push(...cells.rows[j]!);
      }
      visited += shards.size;
      scanned += rows.length;
      h += held(truth, q, rows);
    }
    push(`cells C=${c}`, h, visited, scanned);
  }
  return out;
}

function chimeras(): VectorSet {
  const { set, texts } = chimeraSet(N, NQ, DIM);
  rowTerms = termsOfTexts(texts.slice(0, N));
  queryTerms = termsOfTexts(texts.slice(N));
  return set;
}

function termsOfTexts(texts: readonly string[]): Uint32Array[] {
  return texts.map((t) => Uint32Array.from(termsOf(t).keys()));
}

const rows: Row[] = [];
for (const name of SETS) {
  log(`${name}: ${N} rows, ${NQ} queries`);
  const set =
    name === 'manpages'
      ? manPageSet(N, NQ, DIM, 5)
      : name === 'chimeras'
        ? chimeras()
        : syntheticSet(N, NQ, DIM, 5);
  rows.push(...study(set));
}
console.log(JSON.stringify({ n: N, queries: NQ, rows }));
