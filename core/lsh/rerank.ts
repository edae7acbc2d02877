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

/** q8, if given (unit.length values), receives the int8 code instead of a new array. */
export function prepareQuery(kernels: VectorKernels, unit: Float32Array, q8?: Int8Array): Query {
  const code = q8 ?? new Int8Array(unit.length);
  const qScale = kernels.quantizeI8(unit, code);
  return { unit, q8: code, qScale };
}

/** Rows whose cache lines are requested together before they are copied. */
const PREFETCH_ROWS = 16;

/**
 * Copies rows slots[0..count) of a row-major matrix into out. Random rows of a large store miss the
 * cache, so for each block of rows one word per cache line is loaded first: those loads are
 * independent and their misses overlap, where a plain copy waits for one row at a time. Rows of
 * whole 32-bit words are then copied word by word (a per-row subarray costs an object per row).
 * Returns the xor of the prefetched words: keep it somewhere so the compiler keeps those loads.
 */
export function gatherRows<T extends Int8Array | Float32Array>(
  src: T,
  dim: number,
  slots: Uint32Array,
  count: number,
  out: T,
): number {
  const bytes = dim * src.BYTES_PER_ELEMENT;
  if (bytes % 4 !== 0 || src.byteOffset % 4 !== 0 || out.byteOffset % 4 !== 0) {
    for (let j = 0; j < count; j++) {
      const s = slots[j]! * dim;
      out.set(src.subarray(s, s + dim), j * dim);
    }
    return 0;
  }
  const w = bytes >>> 2;
  const from = new Int32Array(src.buffer, src.byteOffset, src.byteLength >>> 2);
  const to = new Int32Array(out.buffer, out.byteOffset, out.byteLength >>> 2);
  let sum = 0;
  for (let j0 = 0; j0 < count; j0 += PREFETCH_ROWS) {
    const j1 = Math.min(count, j0 + PREFETCH_ROWS);
    for (let j = j0; j < j1; j++) {
      const s = slots[j]! * w;
      for (let i = 0; i < w; i += 16) sum ^= from[s + i]!;
    }
    for (let j = j0; j < j1; j++) {
      const s = slots[j]! * w;
      const o = j * w;
      for (let i = 0; i < w; i++) to[o + i] = from[s + i]!;
    }
  }
  return sum;
}

/** Reusable gather buffers, grown on demand, so a search allocates little. */
export class Reranker {
  private rows = new Int8Array(0);
  private rowScales = new Float32Array(0);
  private scores = new Float32Array(0);
  private exactRows = new Float32Array(0);
  private exactScores = new Float32Array(0);
  private picked = new Uint32Array(0);
  /** gatherRows' prefetch checksum (see there). */
  private touched = 0;

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
    this.touched ^= gatherRows(store.rows, d, slots, count, this.rows);
    const rowScales = this.rowScales.subarray(0, count);
    const storeScales = store.scales;
    for (let j = 0; j < count; j++) rowScales[j] = storeScales[slots[j]!]!;
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
    const m = best.length;
    if (this.picked.length < m) {
      this.exactRows = new Float32Array(m * d);
      this.exactScores = new Float32Array(m);
      this.picked = new Uint32Array(m);
    }
    const picked = this.picked;
    for (let j = 0; j < m; j++) picked[j] = slots[best[j]!]!;
    this.touched ^= gatherRows(store.unit, d, picked, m, this.exactRows);
    const exact = this.kernels.dotBatchF32(
      q.unit,
      this.exactRows.subarray(0, m * d),
      this.exactScores.subarray(0, m),
    );
    const top = this.kernels.topK(exact, k);
    return {
      ids: Array.from(top.indices, (j) => store.ids[picked[j]!]!),
      scores: Array.from(top.scores),
    };
  }
}
