// Runtime-neutral entry: kernels from an already compiled module, the TS reference, the embedder.
// Loaders that find the module live in ./node.ts and ./workers.ts.
export {
  createWasmKernels,
  DEFAULT_MAX_MEMORY_BYTES,
  type WasmKernelOptions,
  type WasmKernels,
} from './wasm-kernels.ts';
export type { WasmModule } from './wasm-api.ts';
export { referenceKernels } from './reference.ts';
export { LexicalEmbedder, tokenize, type LexicalEmbedderOptions } from './lexical-embedder.ts';
