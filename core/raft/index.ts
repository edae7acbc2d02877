// Public API of the Raft core (@proxima/core/raft).
export * from './types.ts';
export * from './errors.ts';
export * from './rand.ts';
export * from './storage.ts';
export * from './bootstrap.ts';
export * from './config.ts';
export * from './confchange.ts';
export * from './ready.ts';
export * from './rawnode.ts';
export { Raft } from './raft.ts';
