// Membership of the registry's Raft group (@proxima/core/membership): the rules an operator's
// add, remove and transfer must pass, shared by the edge and the CLI. Pure.
export * from './location-hints.ts';
export * from './peer-id.ts';
export * from './rules.ts';
