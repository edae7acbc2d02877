export * from './limits.ts';
export * from './schema.ts';
export * from './signature.ts';
export * from './state.ts';
export * from './wire.ts';
