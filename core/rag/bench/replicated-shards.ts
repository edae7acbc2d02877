// The shard layouts that bench/shard-replication.ts compares: rows streamed in one at a time as the
// product writes them (placed by centroid, a shard past SHARD_LIMITS.splitAtChunks split by
// planSplit and its rows handed to the children), with optional boundary replication, plus the
// closure rule (adaptive probing is shard-map.ts's chooseProbes).
import type { VectorKernels } from '../../lsh/index.ts';
import { seededRng } from '../../lsh/index.ts';
import { ShardEngine } from '../shard-engine.ts';
import {
  afterSplit,
  placeVector,
  planSplit,
  rootDirectory,
  shardId,
  shouldSplit,
  type ShardDirectory,
} from '../shard-map.ts';

/** Boundary replication: copies go to shards within eps (cosine) of the best, at most cap of them. */
export interface Replication {
  readonly eps: number;
  readonly cap: number;
}

/**
 * SPANN-style closure: the indices of the shards whose score is ≥ best − eps, best first, at most
 * cap (ties to the lower index). eps = 0 or cap = 1 is placeVector's single shard.
 */
export function closure(scores: ArrayLike<number>, eps: number, cap: number): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => scores[b]! - scores[a]! || a - b,
  );
  const best = scores[order[0]!]!;
  const out = [order[0]!];
  for (let j = 1; j < order.length && out.length < cap; j++) {
    if (scores[order[j]!]! < best - eps) break;
    out.push(order[j]!);
  }
  return out;
}

export interface ReplicatedShards {
  readonly dir: ShardDirectory;
  /** Row ids stored on each shard, in directory order. */
  readonly members: readonly (readonly number[])[];
  /** shards × dim unit centroids in directory order (one zero row for a lone root). */
  readonly centroids: Float32Array;
  /** Stored rows (copies included) / rows. */
  readonly storage: number;
  /** Share of rows with a copy on the shard placeVector picks in the final directory. */
  readonly nearestHeld: number;
  readonly splits: number;
  readonly buildSeconds: number;
}

/** How many rows' centroid scores are computed with one dotMatrixF32 call while streaming. */
const SCORE_BLOCK = 2048;

/**
 * Where a split may put the parent's rows: 'children' as the product does (each copy to the nearer
 * child), or 'directory' (each copy re-placed by closure over the whole new directory, so a row can
 * move to a neighbour whose centroid is now nearer than either child's).
 */
export type SplitScope = 'children' | 'directory';

/**
 * Streams the n rows of data (unit, n × dim) into a namespace in order. A new row goes to
 * closure(eps, cap) of the current directory. With scope 'children', a split moves each of the
 * parent's copies to the nearer child and adds one to the other child when that child scores
 * ≥ best − eps over the whole new directory and the row has fewer than cap copies.
 */
export function streamIntoShards(
  data: Float32Array,
  dim: number,
  replication: Replication,
  scope: SplitScope,
  namespace: string,
  kernels: VectorKernels,
  now: () => number,
): ReplicatedShards {
  const started = now();
  const n = data.length / dim;
  const { eps, cap } = replication;
  const rng = seededRng(17);
  let seq = 0;
  let dir = rootDirectory(shardId('bench', namespace, seq++));
  let members: number[][] = [[]];
  let centroids: Float32Array = new Float32Array(dim);
  /** The ids of the shards holding each row. */
  const holders: string[][] = Array.from({ length: n }, () => []);
  let splits = 0;

  const split = (at: number): void => {
    const rows = members[at]!;
    const parentId = dir.shards[at]!.id;
    const parent = gather(data, dim, rows);
    const [a, b] = planSplit(parent, dim, rng, kernels);
    const children = [
      { id: shardId('bench', namespace, seq++), centroid: a },
      { id: shardId('bench', namespace, seq++), centroid: b },
    ] as const;
    dir = afterSplit(dir, parentId, children);
    centroids = centroidMatrix(dir, dim);
    members = [...members.slice(0, at), [], [], ...members.slice(at + 1)];
    const count = dir.shards.length;
    const scores = kernels.dotMatrixF32(parent, centroids, dim);
    const add = (row: number, t: number, held: string[]): void => {
      held.push(dir.shards[t]!.id);
      members[t]!.push(row);
    };
    rows.forEach((row, j) => {
      const s = scores.subarray(j * count, j * count + count);
      const held = holders[row]!.filter((id) => id !== parentId);
      holders[row] = held;
      if (scope === 'directory') {
        for (const t of closure(s, eps, cap))
          if (held.length < cap && !held.includes(dir.shards[t]!.id)) add(row, t, held);
        return;
      }
      let best = -Infinity;
      for (const x of s) best = Math.max(best, x);
      // Children sit at at and at + 1 of the new directory; ties go to the first, as in assignRows.
      const near = s[at + 1]! > s[at]! ? at + 1 : at;
      const far = near === at ? at + 1 : at;
      add(row, near, held);
      if (held.length < cap && s[far]! >= best - eps) add(row, far, held);
    });
    splits++;
  };

  /** Splits full shards until none is (a split can fill a child, or a neighbour in 'directory'). */
  const splitFull = (): void => {
    for (;;) {
      const at = members.findLastIndex((m) => shouldSplit(m.length));
      if (at < 0) return;
      split(at);
    }
  };

  let scores: Float32Array = new Float32Array(0);
  let blockStart = 0;
  let blockEnd = 0;
  let blockVersion = 0;
  for (let row = 0; row < n; row++) {
    const count = dir.shards.length;
    if (row >= blockEnd || blockVersion !== dir.version) {
      blockStart = row;
      blockEnd = Math.min(n, row + SCORE_BLOCK);
      blockVersion = dir.version;
      scores = kernels.dotMatrixF32(data.subarray(row * dim, blockEnd * dim), centroids, dim);
    }
    const at = row - blockStart;
    const targets = closure(scores.subarray(at * count, at * count + count), eps, cap);
    holders[row] = targets.map((t) => dir.shards[t]!.id);
    let full = false;
    for (const t of targets) {
      members[t]!.push(row);
      full ||= shouldSplit(members[t]!.length);
    }
    if (full) splitFull();
  }

  let stored = 0;
  for (const m of members) stored += m.length;
  return {
    dir,
    members,
    centroids,
    storage: stored / n,
    nearestHeld: nearestHeld(data, dim, dir, members, centroids, kernels),
    splits,
    buildSeconds: now() - started,
  };
}

/** The product's layout: no replication, a split hands each row to the nearer child. */
export function placeAsProduct(
  data: Float32Array,
  dim: number,
  namespace: string,
  kernels: VectorKernels,
): ReplicatedShards {
  return streamIntoShards(data, dim, { eps: 0, cap: 1 }, 'children', namespace, kernels, () =>
    performance.now(),
  );
}

/** One ShardEngine per shard, loaded with its rows, as the shards' Durable Objects hold them. */
export function loadEngines(
  shards: ReplicatedShards,
  data: Float32Array,
  dim: number,
  kernels: VectorKernels,
): ShardEngine[] {
  return shards.members.map((rows, i) => {
    const engine = new ShardEngine({ dim, kernels, seed: i + 1 });
    for (const r of rows) engine.insert(r, data.subarray(r * dim, r * dim + dim));
    return engine;
  });
}

export function gather(data: Float32Array, dim: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++)
    out.set(data.subarray(rows[i]! * dim, rows[i]! * dim + dim), i * dim);
  return out;
}

/** The directory's centroids as one matrix (a lone root's null centroid scores 0 for every row). */
export function centroidMatrix(dir: ShardDirectory, dim: number): Float32Array {
  const out = new Float32Array(dir.shards.length * dim);
  dir.shards.forEach((s, i) => {
    if (s.centroid) out.set(s.centroid, i * dim);
  });
  return out;
}

function nearestHeld(
  data: Float32Array,
  dim: number,
  dir: ShardDirectory,
  members: readonly (readonly number[])[],
  centroids: Float32Array,
  kernels: VectorKernels,
): number {
  const n = data.length / dim;
  const count = dir.shards.length;
  const nearest = new Uint32Array(n);
  for (let start = 0; start < n; start += SCORE_BLOCK) {
    const end = Math.min(n, start + SCORE_BLOCK);
    const s = kernels.dotMatrixF32(data.subarray(start * dim, end * dim), centroids, dim);
    for (let r = start; r < end; r++) {
      let best = 0;
      for (let c = 1; c < count; c++)
        if (s[(r - start) * count + c]! > s[(r - start) * count + best]!) best = c;
      nearest[r] = best;
    }
  }
  // The matrix rule must agree with the product's placeVector (f64 cosine); spot-check it.
  const ids = dir.shards.map((s) => s.id);
  for (let r = 0; r < n; r += Math.max(1, Math.floor(n / 200))) {
    const v = data.subarray(r * dim, r * dim + dim);
    if (placeVector(dir, v) !== ids[nearest[r]!]) {
      const alt = kernels.dotF32(v, centroids.subarray(nearest[r]! * dim, nearest[r]! * dim + dim));
      const want = ids.indexOf(placeVector(dir, v));
      const wantScore = kernels.dotF32(v, centroids.subarray(want * dim, want * dim + dim));
      if (Math.abs(alt - wantScore) > 1e-5)
        throw new Error(`row ${r}: scores disagree with placeVector`);
    }
  }
  let held = 0;
  const seen = new Uint8Array(n);
  members.forEach((rows, c) => {
    for (const r of rows)
      if (nearest[r] === c && !seen[r]) {
        seen[r] = 1;
        held++;
      }
  });
  return held / n;
}
