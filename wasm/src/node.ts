// Node loader: read the built .wasm from disk, compile, instantiate.
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { wasmApi } from './wasm-api.ts';
import { createWasmKernels, type WasmKernelOptions, type WasmKernels } from './wasm-kernels.ts';

export const KERNELS_WASM_URL = new URL('../build/kernels.wasm', import.meta.url);

function missing(err: unknown): Error {
  return new Error(
    `cannot read ${KERNELS_WASM_URL.pathname}; run "npm run build -w @proxima/wasm" first`,
    { cause: err },
  );
}

export async function loadKernels(options: WasmKernelOptions = {}): Promise<WasmKernels> {
  let bytes: Buffer;
  try {
    bytes = await readFile(KERNELS_WASM_URL);
  } catch (err) {
    throw missing(err);
  }
  return createWasmKernels(await wasmApi.compile(bytes), options);
}

export function loadKernelsSync(options: WasmKernelOptions = {}): WasmKernels {
  let bytes: Buffer;
  try {
    bytes = readFileSync(KERNELS_WASM_URL);
  } catch (err) {
    throw missing(err);
  }
  return createWasmKernels(new wasmApi.Module(bytes), options);
}

export { createWasmKernels, type WasmKernelOptions, type WasmKernels } from './wasm-kernels.ts';
export { referenceKernels } from './reference.ts';
