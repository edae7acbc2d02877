// Vector helpers for the cache tests (pure; only the tests import them).
import { gaussian, type Rng } from '../lsh/prng.ts';

export function randomUnit(rng: Rng, dim: number): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = gaussian(rng);
  return normalise(v);
}

export function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  return v.map((x) => x / n);
}

/** A unit vector at cosine ≈ `cos` from the unit vector u. */
export function near(rng: Rng, u: Float32Array, cos: number): Float32Array {
  const r = randomUnit(rng, u.length);
  let d = 0;
  for (let i = 0; i < u.length; i++) d += r[i]! * u[i]!;
  const orth = normalise(r.map((x, i) => x - d * u[i]!));
  const sin = Math.sqrt(1 - cos * cos);
  return normalise(u.map((x, i) => cos * x + sin * orth[i]!));
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += a[i]! * b[i]!;
  return d;
}
