// Test helpers shared by the lsh tests (excluded from the pure build as a test-only module).
import { gaussian, type Rng } from './prng.ts';

/** n vectors around `clusters` random centres, row-major. */
export function clustered(
  rng: Rng,
  n: number,
  dim: number,
  clusters: number,
  spread: number,
): Float32Array {
  const centres = new Float32Array(clusters * dim);
  for (let i = 0; i < centres.length; i++) centres[i] = gaussian(rng);
  const out = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) {
    const c = Math.floor(rng.next() * clusters);
    for (let i = 0; i < dim; i++) out[r * dim + i] = centres[c * dim + i]! + spread * gaussian(rng);
  }
  return out;
}

/** Exact cosine top-k by brute force (f64). */
export function bruteForce(
  data: Float32Array,
  dim: number,
  q: Float32Array,
  k: number,
  live?: Set<number>,
): number[] {
  const n = data.length / dim;
  let qn = 0;
  for (const x of q) qn += x * x;
  const scored: { id: number; s: number }[] = [];
  for (let r = 0; r < n; r++) {
    if (live && !live.has(r)) continue;
    let d = 0;
    let rn = 0;
    for (let i = 0; i < dim; i++) {
      const x = data[r * dim + i]!;
      d += x * q[i]!;
      rn += x * x;
    }
    scored.push({ id: r, s: d / Math.sqrt(qn * rn || 1) });
  }
  scored.sort((a, b) => b.s - a.s || a.id - b.id);
  return scored.slice(0, k).map((x) => x.id);
}

export function row(data: Float32Array, dim: number, r: number): Float32Array {
  return data.subarray(r * dim, r * dim + dim);
}
