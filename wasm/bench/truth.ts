// Exact top-k by brute force (f32 cosine over unit rows) and tie-aware recall.
import type { VectorKernels } from '@proxima/core/lsh';

export interface Truth {
  /** ids[q·k + i]: the i-th exact neighbour of query q. */
  readonly ids: Uint32Array;
  /** The k-th best exact score of each query (ties at that score count as hits). */
  readonly kth: Float32Array;
  readonly k: number;
}

/** Queries and data are unit rows; the kernels' dotMatrixF32 does the work in blocks. */
export function bruteForce(
  kernels: VectorKernels,
  data: Float32Array,
  queries: Float32Array,
  dim: number,
  k: number,
): Truth {
  const n = data.length / dim;
  const nq = queries.length / dim;
  const bestS = new Float32Array(nq * k).fill(-Infinity);
  const bestI = new Uint32Array(nq * k);
  const block = 4096;
  const out = new Float32Array(nq * block);
  for (let start = 0; start < n; start += block) {
    const m = Math.min(block, n - start);
    kernels.dotMatrixF32(queries, data.subarray(start * dim, (start + m) * dim), dim, out);
    for (let q = 0; q < nq; q++) {
      const o = q * k;
      for (let j = 0; j < m; j++) {
        const s = out[q * m + j]!;
        if (s <= bestS[o + k - 1]!) continue;
        // Insertion into the sorted list of k.
        let i = k - 1;
        while (i > 0 && bestS[o + i - 1]! < s) {
          bestS[o + i] = bestS[o + i - 1]!;
          bestI[o + i] = bestI[o + i - 1]!;
          i--;
        }
        bestS[o + i] = s;
        bestI[o + i] = start + j;
      }
    }
  }
  const kth = new Float32Array(nq);
  for (let q = 0; q < nq; q++) kth[q] = bestS[q * k + k - 1]!;
  return { ids: bestI, kth, k };
}

/**
 * recall@k: the share of returned ids whose exact score reaches the k-th exact score (minus a
 * float tolerance), capped at k per query; exact duplicates therefore cannot hurt or help.
 */
export function recallAtK(
  truth: Truth,
  data: Float32Array,
  queries: Float32Array,
  dim: number,
  results: readonly (readonly number[])[],
): number {
  let hits = 0;
  for (let q = 0; q < results.length; q++) {
    const got = results[q]!;
    const qv = queries.subarray(q * dim, q * dim + dim);
    let h = 0;
    for (const id of got.slice(0, truth.k)) {
      let s = 0;
      for (let i = 0; i < dim; i++) s += qv[i]! * data[id * dim + i]!;
      if (s >= truth.kth[q]! - 1e-5) h++;
    }
    hits += Math.min(h, truth.k);
  }
  return hits / (results.length * truth.k);
}
