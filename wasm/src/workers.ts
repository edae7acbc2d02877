// Workers loader: workerd forbids compiling wasm from bytes at runtime, so the bundler turns this
// import into a precompiled WebAssembly.Module and we only instantiate it.
import kernelsModule from '../build/kernels.wasm';
import type { WasmModule } from './wasm-api.ts';
import { createWasmKernels, type WasmKernelOptions, type WasmKernels } from './wasm-kernels.ts';

export function loadKernels(options: WasmKernelOptions = {}): WasmKernels {
  return createWasmKernels(kernelsModule as WasmModule, options);
}

export { createWasmKernels, type WasmKernelOptions, type WasmKernels } from './wasm-kernels.ts';
export { referenceKernels } from './reference.ts';
