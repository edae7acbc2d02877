// Spherical k-means for the coarse partitioning: centroids are unit vectors, assignment by max dot.
import type { VectorKernels } from './kernels.ts';
import type { Rng } from './prng.ts';
import { LshError } from './errors.ts';

/** Index of the centroid with the largest dot product with row. */
export function nearestCentroid(
  kernels: VectorKernels,
  row: Float32Array,
  centroids: Float32Array,
  out: Float32Array,
): number {
  const scores = kernels.dotBatchF32(row, centroids, out);
  let best = 0;
  for (let c = 1; c < scores.length; c++) if (scores[c]! > scores[best]!) best = c;
  return best;
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
  const scratch = new Float32Array(count);
  for (let it = 0; it < iterations; it++) {
    sums.fill(0);
    sizes.fill(0);
    for (let r = 0; r < n; r++) {
      const row = rows.subarray(r * dim, r * dim + dim);
      const c = nearestCentroid(kernels, row, centroids, scratch);
      sizes[c]!++;
      for (let i = 0; i < dim; i++) sums[c * dim + i]! += row[i]!;
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
