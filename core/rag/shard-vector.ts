// The one check every vector entering a shard or its routing passes: width, finite values, and a
// direction. Cosine similarity (all ranking and routing here) is undefined for the zero vector, so
// that is an error rather than a silent score of 0.
import { LshError, rejectNonFinite } from '../lsh/index.ts';

/** The Euclidean norm of v after checking it holds `dim` finite values, not all zero. */
export function checkedNorm(v: Float32Array, dim: number, what: string): number {
  if (v.length !== dim)
    throw new LshError('shape', `${what} has ${v.length} values, expected ${dim}`);
  rejectNonFinite(what, v);
  let s = 0;
  for (let i = 0; i < dim; i++) s += v[i]! * v[i]!;
  if (s === 0)
    throw new LshError('bad_params', `${what} is the zero vector: it has no direction for cosine`);
  if (!Number.isFinite(s))
    throw new LshError('non_finite', `${what} is too large: its squared norm overflows`);
  return Math.sqrt(s);
}

/** v / |v| as a new array (v checked as above). */
export function unitCopy(v: Float32Array, dim: number, what: string): Float32Array {
  const norm = checkedNorm(v, dim, what);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) out[i] = v[i]! / norm;
  return out;
}
