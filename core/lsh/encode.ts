// Shared pieces of the vector encoding: unit-normalise, quantize, and score with int8.
import type { VectorKernels } from './kernels.ts';
import { LshError } from './errors.ts';
import { rejectNonFinite } from './checks.ts';

export interface Encoded {
  readonly unit: Float32Array;
  readonly norm: number;
}

/**
 * Checks shape and values, and returns the unit vector (zero stays zero) with the original norm.
 * `out` (dim values) receives the unit vector instead of a new array: searches reuse one.
 */
export function toUnit(
  kernels: VectorKernels,
  v: Float32Array,
  dim: number,
  out?: Float32Array,
): Encoded {
  if (v.length !== dim)
    throw new LshError('shape', `vector has ${v.length} values, index dim is ${dim}`);
  rejectNonFinite('vector', v);
  const norm = Math.sqrt(kernels.dotF32(v, v));
  const unit = out ?? new Float32Array(dim);
  if (norm > 0) for (let i = 0; i < dim; i++) unit[i] = v[i]! / norm;
  else unit.fill(0);
  return { unit, norm };
}
