export * from './machine.ts';
export * from './envelope.ts';
export * from './applied-ids.ts';
export * from './snapshot.ts';
export * from './replica.ts';
export * from './memory-storage.ts';
export * from './wire.ts';
export * from './ticks.ts';
