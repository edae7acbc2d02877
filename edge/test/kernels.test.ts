import { env, runInDurableObject } from 'cloudflare:test';
import { gaussian, seededRng, type Rng, type VectorKernels } from '@proxima/core/lsh';
import { referenceKernels } from '@proxima/wasm/reference';
import { describe, expect, it } from 'vitest';
import { limiterStub, type Env } from '../src/env.ts';
import { edgeKernels } from '../src/kernels.ts';
import { unique } from './helpers.ts';

// Dimensions around the SIMD widths (4 f32 lanes, 16 i8 lanes) and real embedding sizes.
const DIMS = [1, 3, 4, 15, 16, 17, 64, 384, 769];

function gaussianF32(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = gaussian(rng);
  return out;
}

function randomI8(rng: Rng, n: number): Int8Array {
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rng.next() * 255) - 127;
  return out;
}

/** f32 accumulation may differ from the f64 reference by a little relative to Σ|a·b|. */
function expectCloseDot(k: VectorKernels, a: Float32Array, b: Float32Array): void {
  let magnitude = 0;
  for (let i = 0; i < a.length; i++) magnitude += Math.abs(a[i]! * b[i]!);
  const want = referenceKernels.dotF32(a, b);
  expect(Math.abs(k.dotF32(a, b) - want)).toBeLessThanOrEqual(1e-5 * magnitude + 1e-6);
}

describe('edgeKernels inside workerd', () => {
  it('runs in workerd, on the wasm SIMD kernels, one instance per isolate', () => {
    expect(navigator.userAgent).toBe('Cloudflare-Workers');
    expect(edgeKernels().name).toBe('wasm-simd');
    expect(edgeKernels()).toBe(edgeKernels());
  });

  it.each(DIMS)('dotF32 matches the reference on random vectors (dim %i)', (dim) => {
    const rng = seededRng(1000 + dim);
    for (let trial = 0; trial < 20; trial++) {
      expectCloseDot(edgeKernels(), gaussianF32(rng, dim), gaussianF32(rng, dim));
    }
  });

  it.each(DIMS)('an int8 batch matches the reference exactly, and its scores (dim %i)', (dim) => {
    const rng = seededRng(2000 + dim);
    const rows = 37;
    const query = randomI8(rng, dim);
    const matrix = randomI8(rng, rows * dim);
    const k = edgeKernels();
    expect(Array.from(k.dotBatchI8(query, matrix))).toEqual(
      Array.from(referenceKernels.dotBatchI8(query, matrix)),
    );
    const scales = Float32Array.from({ length: rows }, () => rng.next() / 127);
    const got = k.scoreI8(query, 1 / 127, matrix, scales);
    const want = referenceKernels.scoreI8(query, 1 / 127, matrix, scales);
    for (let r = 0; r < rows; r++) expect(got[r]).toBeCloseTo(want[r]!, 4);
  });

  it('runs inside a Durable Object too', async () => {
    const rng = seededRng(3);
    const a = gaussianF32(rng, 384);
    const b = gaussianF32(rng, 384);
    const stub = limiterStub(env as Env, unique('tenant'));
    const got = await runInDurableObject(stub, () => edgeKernels().dotF32(a, b));
    expect(got).toBeCloseTo(referenceKernels.dotF32(a, b), 3);
  });
});
