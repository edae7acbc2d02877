// npx node core/rag/bench/shard-routing.ts — how much recall shard routing costs. A 200 000 × 256 set
// is split recursively by planSplit (2-means) until every shard holds ≤ SHARD_LIMITS.splitAtChunks
// rows, each shard a ShardEngine; 500 held-out queries probe the P nearest shards, take the top 10
// of each and merge. Recall@10 is measured against exact search over everything, with each shard
// searched as it would be (IVF, default probes) and exactly (what routing alone loses). Runs on
// clustered synthetic vectors and, when Debian's man pages are installed, on their lexical
// embeddings. The final line is JSON.
import { assignRows, seededRng } from '../../lsh/index.ts';
import { loadKernelsSync } from '@proxima/wasm/node';
import { manPageSet, syntheticSet, type VectorSet } from '../../../wasm/bench/datasets.ts';
import { bruteForce, recallAtK } from '../../../wasm/bench/truth.ts';
import { stopwatch } from '../../../wasm/bench/timing.ts';
import { ShardEngine, type ShardHit } from '../shard-engine.ts';
import {
  afterSplit,
  placeVector,
  planSplit,
  probeShards,
  fixedProbe,
  rootDirectory,
  SHARD_LIMITS,
  shardId,
  shouldSplit,
  type ShardDirectory,
} from '../shard-map.ts';

const N = Number(process.env['SHARD_BENCH_N'] ?? 200_000);
const NQ = Number(process.env['SHARD_BENCH_QUERIES'] ?? 500);
const DIM = 256;
const K = 10;
const PROBES = [1, 2, 4, 8];

const kernels = loadKernelsSync({ maxMemoryBytes: 1024 * 1024 * 1024 });
const log = (s: string): void => console.log(s);

interface Sharded {
  readonly dir: ShardDirectory;
  readonly engines: ReadonlyMap<string, ShardEngine>;
  readonly sizes: number[];
  /** Share of rows whose shard is the one placeVector picks in the final directory. */
  readonly placedAlike: number;
  readonly splitSeconds: number;
  readonly loadSeconds: number;
}

interface Row {
  readonly set: string;
  readonly shards: number;
  readonly placedAlike: number;
  readonly p: number;
  readonly recall: number;
  readonly recallExactShards: number;
  readonly rowsScored: number;
  readonly rowsInProbedShards: number;
  readonly msPerQuery: number;
}

function gather(data: Float32Array, rows: Uint32Array): Float32Array {
  const out = new Float32Array(rows.length * DIM);
  rows.forEach((r, i) => out.set(data.subarray(r * DIM, r * DIM + DIM), i * DIM));
  return out;
}

/** Splits the largest shard past the limit until none is, as the live splits would. */
function shard(set: VectorSet, namespace: string): Sharded {
  const n = set.data.length / DIM;
  let seq = 0;
  let dir = rootDirectory(shardId('bench', namespace, seq++));
  const members = new Map([[dir.shards[0]!.id, Uint32Array.from({ length: n }, (_, i) => i)]]);
  const rng = seededRng(17);
  const lap = stopwatch();
  for (;;) {
    const full = dir.shards.find((s) => shouldSplit(members.get(s.id)!.length));
    if (!full) break;
    const rows = members.get(full.id)!;
    const m = gather(set.data, rows);
    const [a, b] = planSplit(m, DIM, rng, kernels);
    const side = new Uint32Array(rows.length);
    const both = new Float32Array(2 * DIM);
    both.set(a);
    both.set(b, DIM);
    // The parent's rows move to the nearer child (what the splitting shard does with its copy).
    assignRows(kernels, m, DIM, both, side);
    const children = [
      { id: shardId('bench', namespace, seq++), centroid: a },
      { id: shardId('bench', namespace, seq++), centroid: b },
    ] as const;
    dir = afterSplit(dir, full.id, children);
    members.delete(full.id);
    children.forEach((c, i) =>
      members.set(
        c.id,
        rows.filter((_, j) => side[j] === i),
      ),
    );
  }
  const splitSeconds = lap().cpu;
  // A split moves the parent's rows by the two children only; later inserts are placed over the
  // whole directory. How often the two rules agree says how well regions match their centroids.
  let alike = 0;
  for (const [id, rows] of members)
    for (const r of rows)
      if (placeVector(dir, set.data.subarray(r * DIM, r * DIM + DIM)) === id) alike++;
  const load = stopwatch();
  const engines = new Map<string, ShardEngine>();
  dir.shards.forEach((s, i) => {
    const engine = new ShardEngine({ dim: DIM, kernels, seed: i + 1 });
    for (const r of members.get(s.id)!) engine.insert(r, set.data.subarray(r * DIM, r * DIM + DIM));
    engines.set(s.id, engine);
  });
  return {
    dir,
    engines,
    sizes: dir.shards.map((s) => members.get(s.id)!.length),
    placedAlike: alike / n,
    splitSeconds,
    loadSeconds: load().cpu,
  };
}

function measure(set: VectorSet, namespace: string): Row[] {
  const nq = set.queries.length / DIM;
  const truthLap = stopwatch();
  const truth = bruteForce(kernels, set.data, set.queries, DIM, K);
  log(`  exact truth for ${nq} queries: ${truthLap().cpu.toFixed(1)} s`);
  const s = shard(set, namespace);
  const sorted = [...s.sizes].sort((a, b) => a - b);
  log(
    `  ${s.dir.shards.length} shards (directory version ${s.dir.version}), rows min/median/max ` +
      `${sorted[0]}/${sorted[sorted.length >> 1]}/${sorted[sorted.length - 1]}; splits ` +
      `${s.splitSeconds.toFixed(1)} s, loading the engines ${s.loadSeconds.toFixed(1)} s (CPU)`,
  );
  log(
    `  rows on the shard placeVector picks in the final directory: ${(100 * s.placedAlike).toFixed(1)} %`,
  );
  const size = new Map(s.dir.shards.map((x, i) => [x.id, s.sizes[i]!]));
  const run = (p: number, exact: boolean) => {
    const results: number[][] = [];
    let scored = 0;
    let inShards = 0;
    const lap = stopwatch();
    for (let q = 0; q < nq; q++) {
      const v = set.queries.subarray(q * DIM, q * DIM + DIM);
      const hits: ShardHit[] = [];
      for (const id of probeShards(s.dir, v, fixedProbe(p))) {
        const engine = s.engines.get(id)!;
        hits.push(...engine.search(v, K, { exact }));
        scored += engine.lastScored;
        inShards += size.get(id)!;
      }
      hits.sort((a, b) => b.score - a.score || a.row - b.row);
      results.push(hits.slice(0, K).map((h) => h.row));
    }
    const cpu = lap().cpu;
    return {
      recall: recallAtK(truth, set.data, set.queries, DIM, results),
      scored: scored / nq,
      inShards: inShards / nq,
      ms: (cpu * 1000) / nq,
    };
  };
  const rows: Row[] = [];
  log(
    '  P | recall@10 (IVF in shards) | recall@10 (exact in shards) | rows scored | rows in probed shards | CPU ms/query',
  );
  for (const p of PROBES) {
    const ivf = run(p, false);
    const exact = run(p, true);
    rows.push({
      set: set.name,
      shards: s.dir.shards.length,
      placedAlike: Number(s.placedAlike.toFixed(4)),
      p,
      recall: ivf.recall,
      recallExactShards: exact.recall,
      rowsScored: Math.round(ivf.scored),
      rowsInProbedShards: Math.round(ivf.inShards),
      msPerQuery: ivf.ms,
    });
    log(
      `  ${p} | ${ivf.recall.toFixed(4)} | ${exact.recall.toFixed(4)} | ${Math.round(ivf.scored)} | ` +
        `${Math.round(ivf.inShards)} | ${ivf.ms.toFixed(2)}`,
    );
  }
  return rows;
}

log(
  `shard routing: ${N} × ${DIM}, ${NQ} held-out queries, k = ${K}, split past ` +
    `${SHARD_LIMITS.splitAtChunks} rows, kernels ${kernels.name}`,
);
const all: Row[] = [];
const synthetic = syntheticSet(N, NQ, DIM, 1);
log(`\n${synthetic.name}: ${synthetic.note}`);
all.push(...measure(synthetic, 'synthetic'));

let man: VectorSet | null = null;
try {
  man = manPageSet(N, NQ, DIM, 2);
} catch (err) {
  log(`\nmanpages-lexical skipped: ${err instanceof Error ? err.message : String(err)}`);
}
if (man) {
  log(`\n${man.name}: ${man.note}`);
  all.push(...measure(man, 'manpages'));
}

console.log(
  JSON.stringify({
    n: N,
    queries: NQ,
    dim: DIM,
    k: K,
    splitAtChunks: SHARD_LIMITS.splitAtChunks,
    results: all.map((r) => ({ ...r, msPerQuery: Number(r.msPerQuery.toFixed(3)) })),
  }),
);
