// Public API of the replicated registry's state machine (@proxima/core/registry).
export * from './commands.ts';
export * from './codec.ts';
export * from './config.ts';
export * from './fields.ts';
export * from './ids.ts';
export * from './state.ts';
export * from './result.ts';
export * from './apply.ts';
export { raiseProblem, versionGate, type MemberVersion } from './apply-cluster.ts';
export * from './auth.ts';
export * from './lookups.ts';
export * from './views.ts';
export * from './queries.ts';
export * from './auth-cache.ts';
export * from './invariants.ts';
export { encodeSnapshot, decodeSnapshot } from './snapshot.ts';
export { SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from './snapshot-schema.ts';
