// npx node core/rag/bench/shard-replication.ts — can boundary replication or adaptive probing lift
// shard routing to recall@10 ≥ 0.95 with bounded work per query? Rows are streamed into a namespace
// as the product writes them (replicas count towards the 20 000-row split), every shard is a
// ShardEngine, and 500 held-out queries are routed by fixed P or by adaptive probing, their hits
// merged with duplicates removed. Recall@10 is against exact search over all rows.
// Env: SHARD_REPL_N (200000), SHARD_REPL_QUERIES (500), SHARD_REPL_SETS (synthetic,manpages),
// SHARD_REPL_EPS (0,0.01,0.02,0.05,0.1), SHARD_REPL_CAPS (2,3), SHARD_REPL_BUILDS (eps:cap,…, in
// place of that grid), SHARD_REPL_SCOPES (children, directory), SHARD_REPL_P (2,4,8),
// SHARD_REPL_DELTAS (0.02,0.05,0.1,0.15,0.2), SHARD_REPL_BOUNDS (2-8),
// SHARD_REPL_CELL_SHARES (default: ShardEngine's own recallFraction; or shares such as 0.3,0.5 of
// each shard's IVF cells). The final line is JSON.
import { loadKernelsSync } from '@proxima/wasm/node';
import { manPageSet, syntheticSet, type VectorSet } from '../../../wasm/bench/datasets.ts';
import { bruteForce, recallAtK, type Truth } from '../../../wasm/bench/truth.ts';
import { stopwatch } from '../../../wasm/bench/timing.ts';
import type { ShardEngine, ShardHit } from '../shard-engine.ts';
import { chooseProbes, fixedProbe, probeShards, SHARD_LIMITS } from '../shard-map.ts';
import {
  loadEngines,
  streamIntoShards,
  type ReplicatedShards,
  type Replication,
  type SplitScope,
} from './replicated-shards.ts';

const list = (name: string, fallback: string): number[] =>
  (process.env[name] ?? fallback).split(',').map(Number);
const N = Number(process.env['SHARD_REPL_N'] ?? 200_000);
const NQ = Number(process.env['SHARD_REPL_QUERIES'] ?? 500);
const SETS = (process.env['SHARD_REPL_SETS'] ?? 'synthetic,manpages').split(',');
const SCOPES = (process.env['SHARD_REPL_SCOPES'] ?? 'children').split(',') as SplitScope[];
const EPS = list('SHARD_REPL_EPS', '0,0.01,0.02,0.05,0.1');
const CAPS = list('SHARD_REPL_CAPS', '2,3');
const FIXED_P = list('SHARD_REPL_P', '2,4,8');
const DELTAS = list('SHARD_REPL_DELTAS', '0.02,0.05,0.1,0.15,0.2');
/** Share of each shard's IVF cells a query probes; 0.3 is ShardEngine's default recallFraction. */
/** Shares of each shard's IVF cells a query probes; null: ShardEngine's default recallFraction. */
const CELL_SHARES = (process.env['SHARD_REPL_CELL_SHARES'] ?? 'default')
  .split(',')
  .map((x) => (x === 'default' ? null : Number(x)));
const BOUNDS = (process.env['SHARD_REPL_BOUNDS'] ?? '2-8')
  .split(',')
  .map((b) => b.split('-').map(Number) as [number, number]);
/** "eps:cap,…" picks builds; by default no replication plus every ε > 0 with every cap. */
const BUILDS: Replication[] = process.env['SHARD_REPL_BUILDS']
  ? process.env['SHARD_REPL_BUILDS'].split(',').map((b) => {
      const [eps, cap] = b.split(':').map(Number);
      return { eps: eps!, cap: cap! };
    })
  : [
      { eps: 0, cap: 1 },
      ...EPS.filter((e) => e > 0).flatMap((eps) => CAPS.map((cap) => ({ eps, cap }))),
    ];
const DIM = 256;
const K = 10;
const GOAL = 0.95;

const kernels = loadKernelsSync({ maxMemoryBytes: 1024 * 1024 * 1024 });
const log = (s: string): void => console.log(s);
const cpuSeconds = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

interface Probe {
  readonly label: string;
  readonly adaptive: boolean;
  /** Shard indices to visit for query q, nearest first. */
  readonly pick: (q: number) => number[];
  readonly cellShare: number | null;
}

interface Result {
  readonly set: string;
  readonly n: number;
  readonly scope: SplitScope;
  readonly eps: number;
  readonly cap: number;
  readonly shards: number;
  readonly storage: number;
  readonly nearestHeld: number;
  readonly probe: string;
  readonly adaptive: boolean;
  readonly cellShare: number | null;
  readonly recall: number;
  readonly recallExactShards: number;
  readonly shardsMean: number;
  readonly shardsP99: number;
  readonly rowsScored: number;
  readonly msPerQuery: number;
}

/** Visits each query's shards, merges their top-k with duplicate rows removed. */
function run(
  set: VectorSet,
  truth: Truth,
  engines: readonly ShardEngine[],
  probe: Probe,
  exact: boolean,
) {
  const nq = set.queries.length / DIM;
  const results: number[][] = [];
  const visited: number[] = [];
  let scored = 0;
  const lap = stopwatch();
  for (let q = 0; q < nq; q++) {
    const v = set.queries.subarray(q * DIM, q * DIM + DIM);
    const hits: ShardHit[] = [];
    const shards = probe.pick(q);
    for (const s of shards) {
      const engine = engines[s]!;
      const nprobe = cellProbe(engine, probe.cellShare);
      hits.push(...engine.search(v, K, nprobe === undefined ? { exact } : { exact, nprobe }));
      scored += engine.lastScored;
    }
    visited.push(shards.length);
    hits.sort((a, b) => b.score - a.score || a.row - b.row);
    const top: number[] = [];
    for (const h of hits) {
      if (top.length === K) break;
      if (!top.includes(h.row)) top.push(h.row);
    }
    results.push(top);
  }
  const cpu = lap().cpu;
  visited.sort((a, b) => a - b);
  return {
    recall: recallAtK(truth, set.data, set.queries, DIM, results),
    rowsScored: scored / nq,
    shardsMean: visited.reduce((a, b) => a + b, 0) / nq,
    shardsP99: visited[Math.min(nq - 1, Math.ceil(0.99 * nq) - 1)]!,
    ms: (cpu * 1000) / nq,
  };
}

/**
 * The nprobe that makes a shard probe `share` of its cells, at least 8 (ShardEngine's minProbe);
 * undefined for the default share and for small untrained shards (one cell, scanned whole).
 */
function cellProbe(engine: ShardEngine, share: number | null): number | undefined {
  const cells = (engine.trained()?.centroids.length ?? 0) / DIM;
  if (share === null || cells === 0) return undefined;
  return Math.min(cells, Math.max(8, Math.ceil(share * cells)));
}

function probesFor(set: VectorSet, shards: ReplicatedShards): Probe[] {
  const nq = set.queries.length / DIM;
  const count = shards.dir.shards.length;
  const scores = kernels.dotMatrixF32(set.queries, shards.centroids, DIM);
  const index = new Map(shards.dir.shards.map((s, i) => [s.id, i]));
  const row = (q: number) => scores.subarray(q * count, q * count + count);
  const probes: Omit<Probe, 'cellShare'>[] = FIXED_P.map((p) => ({
    label: `P=${p}`,
    adaptive: false,
    pick: (q) =>
      probeShards(shards.dir, set.queries.subarray(q * DIM, q * DIM + DIM), fixedProbe(p)).map(
        (id) => index.get(id)!,
      ),
  }));
  for (const [pMin, pMax] of BOUNDS)
    for (const delta of DELTAS)
      probes.push({
        label: `δ=${delta} [${pMin},${pMax}]`,
        adaptive: true,
        pick: (q) => chooseProbes(row(q), { minShards: pMin, maxShards: pMax, delta }),
      });
  // How far the j-th nearest centroid trails the nearest one: the scale δ and ε act on.
  const gaps = [2, 4, 8].filter((j) => j <= count);
  const median = (j: number): number => {
    const g = Array.from({ length: nq }, (_, q) => {
      const s = Array.from(row(q)).sort((a, b) => b - a);
      return s[0]! - s[j - 1]!;
    }).sort((a, b) => a - b);
    return g[nq >> 1]!;
  };
  log(
    `     queries: median cos(best) − cos(j-th nearest centroid): ` +
      gaps.map((j) => `j=${j} ${median(j).toFixed(3)}`).join(', '),
  );
  return CELL_SHARES.flatMap((cellShare) =>
    probes.map((p) => ({
      ...p,
      cellShare,
      label: cellShare === null ? p.label : `${p.label} cells ${cellShare}`,
    })),
  );
}

function measure(set: VectorSet, namespace: string): Result[] {
  const truthLap = stopwatch();
  const truth = bruteForce(kernels, set.data, set.queries, DIM, K);
  log(`  exact truth for ${set.queries.length / DIM} queries: ${truthLap().cpu.toFixed(1)} s`);
  log(
    '  scope | ε | cap | shards | storage | nearest held | probe | recall@10 | recall (exact in shards) | ' +
      'shards visited mean/p99 | rows scored | CPU ms/query',
  );
  const out: Result[] = [];
  for (const scope of SCOPES)
    for (const build of BUILDS) out.push(...measureBuild(set, truth, scope, build, namespace));
  return out;
}

function measureBuild(
  set: VectorSet,
  truth: Truth,
  scope: SplitScope,
  build: Replication,
  namespace: string,
): Result[] {
  const out: Result[] = [];
  const shards = streamIntoShards(set.data, DIM, build, scope, namespace, kernels, cpuSeconds);
  const load = stopwatch();
  const engines = loadEngines(shards, set.data, DIM, kernels);
  const sizes = shards.members.map((m) => m.length).sort((a, b) => a - b);
  log(
    `  -- split scope ${scope}, ε ${build.eps}, cap ${build.cap}: ${shards.dir.shards.length} shards ` +
      `(rows ${sizes[0]}–${sizes[sizes.length - 1]}), ${shards.splits} splits; stream + splits ` +
      `${shards.buildSeconds.toFixed(1)} s, engines ${load().cpu.toFixed(1)} s (CPU)`,
  );
  for (const probe of probesFor(set, shards)) {
    const ivf = run(set, truth, engines, probe, false);
    const exact = run(set, truth, engines, probe, true);
    const r: Result = {
      set: set.name,
      n: set.data.length / DIM,
      scope,
      eps: build.eps,
      cap: build.cap,
      shards: shards.dir.shards.length,
      storage: Number(shards.storage.toFixed(3)),
      nearestHeld: Number(shards.nearestHeld.toFixed(4)),
      probe: probe.label,
      adaptive: probe.adaptive,
      cellShare: probe.cellShare,
      recall: ivf.recall,
      recallExactShards: exact.recall,
      shardsMean: Number(ivf.shardsMean.toFixed(2)),
      shardsP99: ivf.shardsP99,
      rowsScored: Math.round(ivf.rowsScored),
      msPerQuery: Number(ivf.ms.toFixed(3)),
    };
    out.push(r);
    log(
      `  ${r.scope} | ${r.eps} | ${r.cap} | ${r.shards} | ${r.storage.toFixed(2)} | ` +
        `${(100 * r.nearestHeld).toFixed(1)} % | ${r.probe} | ${r.recall.toFixed(4)} | ` +
        `${r.recallExactShards.toFixed(4)} | ${r.shardsMean.toFixed(2)}/${r.shardsP99} | ` +
        `${r.rowsScored} | ${r.msPerQuery.toFixed(2)}`,
    );
  }
  return out;
}

/** The cheapest setting (rows scored) of a family that reaches the goal, if any. */
function cheapest(rows: readonly Result[], keep: (r: Result) => boolean): Result | null {
  const ok = rows.filter((r) => keep(r) && r.recall >= GOAL);
  ok.sort((a, b) => a.rowsScored - b.rowsScored);
  return ok[0] ?? null;
}

function summarise(all: readonly Result[]): Record<string, Result | null> {
  const best: Record<string, Result | null> = {};
  for (const scope of SCOPES) {
    const rows = all.filter((r) => r.scope === scope);
    const at = scope === 'children' ? '' : ` (${scope} split)`;
    best[`fixedP${at}`] = cheapest(rows, (r) => !r.adaptive && r.eps === 0);
    best[`replication${at}`] = cheapest(rows, (r) => !r.adaptive && r.eps > 0);
    best[`adaptive${at}`] = cheapest(rows, (r) => r.adaptive && r.eps === 0);
    best[`combined${at}`] = cheapest(rows, (r) => r.adaptive && r.eps > 0);
  }
  for (const [family, r] of Object.entries(best))
    log(
      `  best ${family} at recall ≥ ${GOAL}: ` +
        (r
          ? `ε ${r.eps} cap ${r.cap}, ${r.probe}: recall ${r.recall.toFixed(4)}, ${r.rowsScored} rows ` +
            `scored, ${r.shardsMean}/${r.shardsP99} shards, storage ×${r.storage}`
          : 'none'),
    );
  return best;
}

log(
  `shard replication: ${N} × ${DIM}, ${NQ} held-out queries, k = ${K}, split past ` +
    `${SHARD_LIMITS.splitAtChunks} stored rows, kernels ${kernels.name}`,
);
const all: Result[] = [];
const best: Record<string, Record<string, Result | null>> = {};
for (const which of SETS) {
  let set: VectorSet;
  try {
    set = which === 'manpages' ? manPageSet(N, NQ, DIM, 2) : syntheticSet(N, NQ, DIM, 1);
  } catch (err) {
    log(`\n${which} skipped: ${err instanceof Error ? err.message : String(err)}`);
    continue;
  }
  log(`\n${set.name}: ${set.note}`);
  const rows = measure(set, which);
  all.push(...rows);
  best[set.name] = summarise(rows);
}

console.log(
  JSON.stringify({
    n: N,
    queries: NQ,
    dim: DIM,
    k: K,
    splitAtChunks: SHARD_LIMITS.splitAtChunks,
    goal: GOAL,
    best,
    results: all,
  }),
);
