// A large scope's vectors in an LshIndex (SimHash, multi-probe, int8 re-rank with an f32 re-check
// of the best), sized for the scope it will grow to. The store rebuilds it when the scope outgrows
// that size, so the cost of growing stays amortised O(1) per entry.
import type { VectorKernels } from '../lsh/kernels.ts';
import { LshIndex } from '../lsh/lsh-index.ts';
import { chooseParamsByCost, type LshParams } from '../lsh/params.ts';
import type { Nearest, ScopeVectors } from './scope-vectors.ts';

export interface LshSizing {
  /** Cosine of the neighbours that must be found with 99 % probability. */
  readonly similarity: number;
  /** Typical cosine of unrelated entries, and the most tables (see chooseParamsByCost). */
  readonly background: number;
  readonly maxTables: number;
  /** Hyperplanes for given parameters; the store shares them between scopes. */
  readonly planes: (params: LshParams) => Float32Array;
}

export class LshVectors implements ScopeVectors {
  /** The scope size the parameters were chosen for; past it the store rebuilds. */
  readonly sizedFor: number;
  private readonly index: LshIndex;

  constructor(dim: number, expected: number, kernels: VectorKernels, sizing: LshSizing) {
    this.sizedFor = expected;
    const params: LshParams = {
      // No multi-probe: at a cache's similarities more tables cost less than probing each one.
      ...chooseParamsByCost(expected, dim, {
        similarity: sizing.similarity,
        recall: 0.99,
        background: sizing.background,
        maxTables: sizing.maxTables,
      }),
      keepF32: true,
    };
    this.index = new LshIndex(params, sizing.planes(params), kernels);
  }

  get size(): number {
    return this.index.size;
  }

  get params(): LshParams {
    return this.index.params;
  }

  add(key: number, vector: Float32Array): void {
    this.index.insert(key, vector);
  }

  remove(key: number): void {
    if (this.index.has(key)) this.index.delete(key);
  }

  nearest(unitQuery: Float32Array, k: number): Nearest {
    if (this.index.size === 0 || k <= 0) return { keys: [], scores: [] };
    const hits = this.index.search(unitQuery, k);
    return { keys: hits.ids, scores: hits.scores };
  }

  vector(key: number): Float32Array {
    const { store } = this.index;
    const s = store.slot(key);
    if (s === undefined) throw new RangeError(`key ${key} is not stored`);
    return store.unit.subarray(s * store.dim, (s + 1) * store.dim);
  }

  *keys(): Iterable<number> {
    const { store } = this.index;
    for (const s of store.liveSlots()) yield store.ids[s]!;
  }
}
