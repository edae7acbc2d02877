// The Embedder contract suite, importable as @proxima/core/embed/contract by every
// implementation's tests. Test code (it imports vitest): not part of the pure library.
export * from './embedder.case.ts';
