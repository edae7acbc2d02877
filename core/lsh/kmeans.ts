// Spherical k-means for the coarse partitioning: centroids are unit vectors, assignment by max dot.
import type { VectorKernels } from './kernels.ts';
import type { Rng } from './prng.ts';
import { LshError } from './errors.ts';

/** Keeps each dotMatrixF32 output block near this many floats (bounded kernel memory). */
const BLOCK_FLOATS = 4 * 1024 * 1024;

/** out[r] = index of the centroid with the largest dot with row r, for unit rows (n × dim). */
export function assignRows(
  kernels: VectorKernels,
  rows: Float32Array,
  dim: number,
  centroids: Float32Array,
  out: Uint32Array,
): void {
  const n = rows.length / dim;
  const count = centroids.length / dim;
  const block = Math.max(1, Math.floor(BLOCK_FLOATS / count));
  let scores = new Float32Array(0);
  for (let start = 0; start < n; start += block) {
    const m = Math.min(block, n - start);
    if (scores.length < m * count) scores = new Float32Array(m * count);
    kernels.dotMatrixF32(rows.subarray(start * dim, (start + m) * dim), centroids, dim, scores);
    for (let i = 0; i < m; i++) {
      let best = 0;
      let bestScore = -Infinity;
      const base = i * count;
      for (let c = 0; c < count; c++) {
        const s = scores[base + c]!;
        if (s > bestScore) {
          bestScore = s;
          best = c;
        }
      }
      out[start + i] = best;
    }
  }
}

/**
 * Trains `count` unit centroids on unit rows (n × dim, row-major) with Lloyd iterations. Seeds are
 * distinct random rows; an emptied cluster is re-seeded from a random row.
 */
export function trainCentroids(
  kernels: VectorKernels,
  rows: Float32Array,
  dim: number,
  count: number,
  iterations: number,
  rng: Rng,
): Float32Array {
  const n = rows.length / dim;
  if (!Number.isInteger(n) || count < 1 || count > n) {
    throw new LshError('bad_params', `k-means needs 1 ≤ count ≤ rows (${count} of ${n})`);
  }
  const centroids = new Float32Array(count * dim);
  const pick = sampleDistinct(n, count, rng);
  pick.forEach((r, c) => centroids.set(rows.subarray(r * dim, r * dim + dim), c * dim));
  const sums = new Float64Array(count * dim);
  const sizes = new Uint32Array(count);
  const assigned = new Uint32Array(n);
  for (let it = 0; it < iterations; it++) {
    assignRows(kernels, rows, dim, centroids, assigned);
    sums.fill(0);
    sizes.fill(0);
    for (let r = 0; r < n; r++) {
      const c = assigned[r]!;
      sizes[c]!++;
      const o = c * dim;
      for (let i = 0; i < dim; i++) sums[o + i]! += rows[r * dim + i]!;
    }
    for (let c = 0; c < count; c++) {
      if (sizes[c] === 0) {
        const r = Math.floor(rng.next() * n);
        centroids.set(rows.subarray(r * dim, r * dim + dim), c * dim);
        continue;
      }
      let norm = 0;
      for (let i = 0; i < dim; i++) norm += sums[c * dim + i]! ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < dim; i++) centroids[c * dim + i] = sums[c * dim + i]! / norm;
    }
  }
  return centroids;
}

function sampleDistinct(n: number, count: number, rng: Rng): number[] {
  // Partial Fisher–Yates over a lazily materialised permutation.
  const swapped = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng.next() * (n - i));
    const vi = swapped.get(i) ?? i;
    const vj = swapped.get(j) ?? j;
    swapped.set(j, vi);
    out.push(vj);
  }
  return out;
}
