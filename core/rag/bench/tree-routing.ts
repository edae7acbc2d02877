// npx node core/rag/bench/tree-routing.ts — does routing by the split tree hold recall as shards
// multiply, where flat nearest-centroid routing (the product's) loses it? Rows stream in as the
// product writes them; a shard past SHARD_LIMITS.splitAtChunks splits by planSplit. Two layouts:
//  - flat: a new row goes to the nearest shard centroid (placeVector), a split hands each row to
//    the nearer child, queries visit the nearest centroids (fixed P, or adaptive probing);
//  - tree: the split tree is kept; a new row descends it (the nearer child at each split), as a
//    split's rows do, and a query visits leaves best-first by centroid score along the tree, so
//    queries and rows are placed by one rule.
// Measured: routing recall@10, the share of each query's exact top 10 held by the shards it
// visits (search inside a shard loses at most ~0.03 more: 0017), and shards visited.
// Env: TREE_N (200000), TREE_QUERIES (300), TREE_SETS (synthetic,manpages), TREE_LEAVES (4,8,16).
// The final line is JSON.
import { loadKernelsSync } from '@proxima/wasm/node';
import { manPageSet, syntheticSet, type VectorSet } from '../../../wasm/bench/datasets.ts';
import { bruteForce, type Truth } from '../../../wasm/bench/truth.ts';
import type { VectorKernels } from '../../lsh/index.ts';
import { seededRng } from '../../lsh/index.ts';
import {
  chooseProbes,
  DEFAULT_PROBE_POLICY,
  fixedProbe,
  planSplit,
  shouldSplit,
} from '../shard-map.ts';
import { gather, placeAsProduct } from './replicated-shards.ts';

const list = (name: string, fallback: string): number[] =>
  (process.env[name] ?? fallback).split(',').map(Number);
const N = Number(process.env['TREE_N'] ?? 200_000);
const NQ = Number(process.env['TREE_QUERIES'] ?? 300);
const SETS = (process.env['TREE_SETS'] ?? 'synthetic,manpages').split(',');
const LEAVES = list('TREE_LEAVES', '4,8,16');
/** How a subtree is ranked: 'min' (its weakest turn on the path) or 'own' (its own centroid). */
const KEYS = (process.env['TREE_KEYS'] ?? 'min,own').split(',') as TreeKey[];
type TreeKey = 'min' | 'own';
const DIM = 256;
const K = 10;

const kernels = loadKernelsSync({ maxMemoryBytes: 1024 * 1024 * 1024 });
const log = (s: string): void => console.log(s);

/** A node of the split tree: a leaf holds rows; an inner node has the two children it split into. */
interface TreeNode {
  readonly centroid: Float32Array | null;
  children: [TreeNode, TreeNode] | null;
  rows: number[];
}

function dot(kernels: VectorKernels, a: Float32Array, b: Float32Array | null): number {
  return b === null ? 0 : kernels.dotF32(a, b);
}

/** Streams rows in; each descends to a leaf by the nearer child; full leaves split in two. */
function buildTree(data: Float32Array, dim: number): { root: TreeNode; leaves: number } {
  const rng = seededRng(17);
  const root: TreeNode = { centroid: null, children: null, rows: [] };
  let leaves = 1;
  const n = data.length / dim;
  for (let row = 0; row < n; row++) {
    const v = data.subarray(row * dim, row * dim + dim);
    let node = root;
    while (node.children) {
      const [a, b] = node.children;
      node = dot(kernels, v, b.centroid) > dot(kernels, v, a.centroid) ? b : a;
    }
    node.rows.push(row);
    if (!shouldSplit(node.rows.length)) continue;
    const [ca, cb] = planSplit(gather(data, dim, node.rows), dim, rng, kernels);
    const a: TreeNode = { centroid: ca, children: null, rows: [] };
    const b: TreeNode = { centroid: cb, children: null, rows: [] };
    for (const r of node.rows) {
      const x = data.subarray(r * dim, r * dim + dim);
      (dot(kernels, x, cb) > dot(kernels, x, ca) ? b : a).rows.push(r);
    }
    node.children = [a, b];
    node.rows = [];
    leaves++;
  }
  return { root, leaves };
}

/**
 * Best-first search of the tree: a frontier of subtrees keyed by the lowest centroid score on the
 * path to them (a subtree is as promising as its weakest turn); pops the best until `leaves`.
 */
function treeProbe(root: TreeNode, q: Float32Array, leaves: number, rank: TreeKey): TreeNode[] {
  const frontier: { node: TreeNode; key: number }[] = [{ node: root, key: Infinity }];
  const out: TreeNode[] = [];
  while (frontier.length > 0 && out.length < leaves) {
    let best = 0;
    for (let i = 1; i < frontier.length; i++) if (frontier[i]!.key > frontier[best]!.key) best = i;
    const { node, key } = frontier.splice(best, 1)[0]!;
    if (!node.children) {
      out.push(node);
      continue;
    }
    for (const child of node.children)
      frontier.push({
        node: child,
        key:
          rank === 'min'
            ? Math.min(key, dot(kernels, q, child.centroid))
            : dot(kernels, q, child.centroid),
      });
  }
  return out;
}

/** The share of each query's exact top k held by the shards it visits, and shards visited. */
function routingRecall(
  truth: Truth,
  nq: number,
  visit: (q: number) => readonly (readonly number[])[],
): { recall: number; shards: number } {
  let held = 0;
  let shards = 0;
  for (let q = 0; q < nq; q++) {
    const visited = visit(q);
    shards += visited.length;
    const rows = new Set<number>();
    for (const members of visited) for (const r of members) rows.add(r);
    for (let i = 0; i < K; i++) if (rows.has(truth.ids[q * K + i]!)) held++;
  }
  return { recall: held / (nq * K), shards: shards / nq };
}

interface Row {
  readonly set: string;
  readonly layout: 'flat' | 'tree';
  readonly probe: string;
  readonly shards: number;
  readonly recall: number;
  readonly visited: number;
}

function study(set: VectorSet): Row[] {
  const nq = set.queries.length / DIM;
  const truth = bruteForce(kernels, set.data, set.queries, DIM, K);
  const query = (q: number) => set.queries.subarray(q * DIM, q * DIM + DIM);
  const rows: Row[] = [];
  const round = (x: number) => Math.round(x * 10_000) / 10_000;

  const flat = placeAsProduct(set.data, DIM, set.name, kernels);
  const count = flat.dir.shards.length;
  const scores = kernels.dotMatrixF32(set.queries, flat.centroids, DIM);
  const policies = [
    ...LEAVES.map((p) => ({ label: `P=${p}`, policy: fixedProbe(p) })),
    { label: 'adaptive 4-16 δ0.15', policy: DEFAULT_PROBE_POLICY },
  ];
  for (const { label, policy } of policies) {
    const r = routingRecall(truth, nq, (q) =>
      chooseProbes(scores.subarray(q * count, q * count + count), policy).map(
        (s) => flat.members[s]!,
      ),
    );
    rows.push({
      set: set.name,
      layout: 'flat',
      probe: label,
      shards: count,
      recall: round(r.recall),
      visited: round(r.shards),
    });
    log(
      `  ${set.name} flat ${count} shards, ${label}: routing recall ${r.recall.toFixed(4)}, ${r.shards.toFixed(1)} shards`,
    );
  }

  const tree = buildTree(set.data, DIM);
  for (const rank of KEYS)
    for (const leaves of LEAVES) {
      const r = routingRecall(truth, nq, (q) =>
        treeProbe(tree.root, query(q), leaves, rank).map((l) => l.rows),
      );
      const label = `${rank} L=${leaves}`;
      rows.push({
        set: set.name,
        layout: 'tree',
        probe: label,
        shards: tree.leaves,
        recall: round(r.recall),
        visited: round(r.shards),
      });
      log(
        `  ${set.name} tree ${tree.leaves} leaves, ${label}: routing recall ${r.recall.toFixed(4)}`,
      );
    }
  return rows;
}

const rows: Row[] = [];
for (const name of SETS) {
  log(`${name}: ${N} rows, ${NQ} queries`);
  const set = name === 'manpages' ? manPageSet(N, NQ, DIM, 5) : syntheticSet(N, NQ, DIM, 5);
  rows.push(...study(set));
}
console.log(JSON.stringify({ n: N, queries: NQ, rows }));
