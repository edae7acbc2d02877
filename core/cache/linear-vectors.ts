// A scope's vectors as one growing row-major matrix of unit rows: one dotBatchF32 call scores them
// all. Removal moves the last row into the hole, so rows stay contiguous. Most scopes hold a few
// entries, so rows are found by scanning the key list rather than through a map of their own.
import type { VectorKernels } from '../lsh/kernels.ts';
import type { Nearest, ScopeVectors } from './scope-vectors.ts';

export class LinearVectors implements ScopeVectors {
  private readonly dim: number;
  private readonly kernels: VectorKernels;
  private rows: Float32Array;
  private readonly order: number[] = [];

  constructor(dim: number, kernels: VectorKernels, capacity = 2) {
    this.dim = dim;
    this.kernels = kernels;
    this.rows = new Float32Array(Math.max(1, capacity) * dim);
  }

  get size(): number {
    return this.order.length;
  }

  add(key: number, vector: Float32Array): void {
    if (this.order.includes(key)) throw new RangeError(`key ${key} is already stored`);
    const d = this.dim;
    const r = this.order.length;
    if ((r + 1) * d > this.rows.length) {
      const grown = new Float32Array(this.rows.length * 2);
      grown.set(this.rows);
      this.rows = grown;
    }
    let s = 0;
    for (let i = 0; i < d; i++) s += vector[i]! * vector[i]!;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let i = 0; i < d; i++) this.rows[r * d + i] = vector[i]! * inv;
    this.order.push(key);
  }

  remove(key: number): void {
    const r = this.order.indexOf(key);
    if (r < 0) return;
    const last = this.order.length - 1;
    const d = this.dim;
    if (r !== last) {
      this.rows.copyWithin(r * d, last * d, last * d + d);
      this.order[r] = this.order[last]!;
    }
    this.order.pop();
  }

  nearest(unitQuery: Float32Array, k: number): Nearest {
    const n = this.order.length;
    if (n === 0 || k <= 0) return { keys: [], scores: [] };
    const scores = this.kernels.dotBatchF32(unitQuery, this.rows.subarray(0, n * this.dim));
    const top = this.kernels.topK(scores, Math.min(k, n));
    return {
      keys: Array.from(top.indices, (r) => this.order[r]!),
      scores: Array.from(top.scores),
    };
  }

  vector(key: number): Float32Array {
    const r = this.order.indexOf(key);
    if (r < 0) throw new RangeError(`key ${key} is not stored`);
    return this.rows.subarray(r * this.dim, (r + 1) * this.dim);
  }

  keys(): Iterable<number> {
    return this.order;
  }
}
