// Public API of @proxima/core/cache: the semantic cache's policy (scope, exact key, near-miss guard,
// request options, replay) and its pure in-memory index (CacheStore).
export { CACHE_DEFAULTS, type CacheDefaults, type CacheMode } from './defaults.ts';
export { cacheScope, lastUserTurn, type LastUserTurn, type ScopeInput } from './scope.ts';
export { exactKey } from './exact.ts';
export {
  nearMissGuard,
  compareGuardFeatures,
  type GuardReason,
  type GuardResult,
} from './guard.ts';
export { guardFeatures, type GuardFeatures } from './guard-features.ts';
export type { CacheEntry, CacheEntryInput, CacheSource } from './entry.ts';
export {
  CacheStore,
  type CacheLookup,
  type CacheLookupResult,
  type CacheStoreOptions,
} from './store.ts';
export { parseCacheOptions, type CacheOptions, type CacheOptionDefaults } from './options.ts';
export { replayPieces } from './replay.ts';
