// The node-peer contract suite, importable as @proxima/core/protocol/node/contract by every
// node-side peer's tests. Test code (it imports vitest): not part of the pure library.
export * from './node-peer.case.ts';
