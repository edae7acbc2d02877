import { describe, expect, it } from 'vitest';
import { LshError } from '@proxima/core/lsh';
import { loadKernelsSync } from './node.ts';
import { runKernelContract } from './kernels.case.ts';

runKernelContract('wasm simd (node loader)', () => loadKernelsSync(), { large: true });

describe('wasm kernel memory', () => {
  it('throws out_of_memory past the cap, then keeps working', () => {
    const k = loadKernelsSync({ maxMemoryBytes: 2 * 1024 * 1024 });
    const q = new Float32Array(256).fill(1);
    const rows = new Float32Array(256 * 4096).fill(1); // 4 MiB > 2 MiB cap
    expect(() => k.dotBatchF32(q, rows)).toThrow(LshError);
    expect(() => k.dotBatchF32(q, rows)).toThrow(/maxMemoryBytes/);
    expect(k.dotF32(q, q)).toBe(256);
  });

  it('reuses the same memory across calls instead of growing', () => {
    const k = loadKernelsSync();
    const q = new Float32Array(768).fill(0.5);
    const rows = new Float32Array(768 * 1000).fill(0.25);
    k.dotBatchF32(q, rows);
    const after = k.memoryBytes();
    for (let i = 0; i < 200; i++) k.dotBatchF32(q, rows);
    expect(k.memoryBytes()).toBe(after);
  });
});
