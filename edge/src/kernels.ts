// The wasm SIMD vector kernels for code in the edge Worker and its Durable Objects (RAG shards, the
// semantic cache). The bundler turns the kernels' .wasm import into a precompiled module (workerd
// forbids compiling wasm from bytes), so here we only instantiate it: once per isolate, on first use.
// tsc -p edge needs the type of workers.ts's .wasm import; that declaration is a script, not a
// module, so only a reference can pull it in.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- see above
/// <reference path="../../wasm/src/wasm-module.d.ts" />
import type { VectorKernels } from '@proxima/core/lsh';
import { loadKernels } from '@proxima/wasm/workers';

let kernels: VectorKernels | undefined;

/** The isolate's one kernel instance; the first call instantiates the module. */
export function edgeKernels(): VectorKernels {
  kernels ??= loadKernels();
  return kernels;
}
