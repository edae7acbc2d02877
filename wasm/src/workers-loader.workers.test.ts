import { describe, expect, it } from 'vitest';
import { loadKernels } from './workers.ts';
import { runKernelContract } from './kernels.case.ts';
import { wasmApi } from './wasm-api.ts';

describe('Workers loader inside workerd', () => {
  it('runs in workerd', () => {
    expect(navigator.userAgent).toBe('Cloudflare-Workers');
  });

  it('cannot compile wasm from bytes here, which is why the module is imported', () => {
    const emptyModule = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
    expect(() => new wasmApi.Module(emptyModule)).toThrow(
      /disallowed|not allowed|code generation/i,
    );
  });

  it('instantiates the imported module and computes', () => {
    const k = loadKernels();
    expect(k.name).toBe('wasm-simd');
    expect(k.dotF32(Float32Array.of(1, 2, 3), Float32Array.of(4, 5, 6))).toBe(32);
  });
});

runKernelContract('wasm simd (workers loader, in workerd)', () => loadKernels(), { numRuns: 25 });
