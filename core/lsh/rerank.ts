// Exact re-ranking of candidate slots: int8 dot with the stored scales (≈ cosine), then an optional
// f32 re-check of the best few against the stored unit vectors.
import type { VectorKernels } from './kernels.ts';
import type { VectorStore } from './store.ts';

export interface Hits {
  readonly ids: number[];
  readonly scores: number[];
}

export interface Query {
  readonly unit: Float32Array;
  readonly q8: Int8Array;
  readonly qScale: number;
}

export function prepareQuery(kernels: VectorKernels, unit: Float32Array): Query {
  const q8 = new Int8Array(unit.length);
  const qScale = kernels.quantizeI8(unit, q8);
  return { unit, q8, qScale };
}

/**
 * Copies rows slots[0..count) of an int8 matrix into out. Random rows of a large store are
 * memory-bound (cache misses), so a plain per-row memcpy is as good as any word loop here.
 */
export function gatherRows(
  src: Int8Array,
  dim: number,
  slots: Uint32Array,
  count: number,
  out: Int8Array,
): void {
  for (let j = 0; j < count; j++) {
    const s = slots[j]! * dim;
    out.set(src.subarray(s, s + dim), j * dim);
  }
}

/** Reusable gather buffers, grown on demand, so a search allocates little. */
export class Reranker {
  private rows = new Int8Array(0);
  private rowScales = new Float32Array(0);
  private scores = new Float32Array(0);

  private readonly kernels: VectorKernels;

  constructor(kernels: VectorKernels) {
    this.kernels = kernels;
  }

  rank(
    store: VectorStore,
    q: Query,
    slots: Uint32Array,
    count: number,
    k: number,
    recheck: number,
  ): Hits {
    const d = store.dim;
    if (this.rows.length < count * d) {
      this.rows = new Int8Array(Math.max(count * d, this.rows.length * 2));
      this.rowScales = new Float32Array(this.rows.length / d);
      this.scores = new Float32Array(this.rows.length / d);
    }
    gatherRows(store.rows, d, slots, count, this.rows);
    const rowScales = this.rowScales.subarray(0, count);
    for (let j = 0; j < count; j++) rowScales[j] = store.scales[slots[j]!]!;
    const scores = this.kernels.scoreI8(
      q.q8,
      q.qScale,
      this.rows.subarray(0, count * d),
      rowScales,
      this.scores.subarray(0, count),
    );
    const keep = store.keepF32 && recheck > 0 ? Math.max(k, recheck) : k;
    const top = this.kernels.topK(scores, keep);
    if (keep === k || top.indices.length === 0) {
      return {
        ids: Array.from(top.indices, (j) => store.ids[slots[j]!]!),
        scores: Array.from(top.scores),
      };
    }
    return this.recheckF32(store, q, slots, top.indices, k);
  }

  private recheckF32(
    store: VectorStore,
    q: Query,
    slots: Uint32Array,
    best: Uint32Array,
    k: number,
  ): Hits {
    const d = store.dim;
    const rows = new Float32Array(best.length * d);
    for (let j = 0; j < best.length; j++) {
      const s = slots[best[j]!]!;
      rows.set(store.unit.subarray(s * d, s * d + d), j * d);
    }
    const exact = this.kernels.dotBatchF32(q.unit, rows);
    const top = this.kernels.topK(exact, k);
    return {
      ids: Array.from(top.indices, (j) => store.ids[slots[best[j]!]!]!),
      scores: Array.from(top.scores),
    };
  }
}
