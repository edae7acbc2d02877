// Hot-path reads of the catalogue, routes, settings, cache epochs and shard maps.
import { CONFIG, type ConfigKey, type ConfigValue } from './config.ts';
import type { RegistryState, ShardMapRecord } from './state.ts';
import { lastSeen } from './views.ts';

/**
 * Whether a model was announced by a node within `memoryMs` before `now` (a request for it waits
 * or gets 503, not 404). Whether a node serves it right now is presence, not the registry's.
 */
export function knownModel(
  state: RegistryState,
  id: string,
  now: number,
  memoryMs: number,
): boolean {
  const model = state.models.get(id);
  return model !== undefined && lastSeen(model) >= now - memoryMs;
}

/** The model id an alias routes to; any other id is itself. */
export function resolveRoute(state: RegistryState, model: string): string {
  return state.routes.get(model) ?? model;
}

/**
 * How many times a scope's cache was invalidated (0 if never): a tenant's name, or '*' for all.
 * A cache key carries both its tenant's epoch and the '*' one.
 */
export function cacheEpoch(state: RegistryState, scope: string): number {
  return state.cacheEpochs.get(scope) ?? 0;
}

export function shardMap(state: RegistryState, namespace: string): ShardMapRecord | null {
  return state.shardMaps.get(namespace) ?? null;
}

/** A setting's value in force: the one set, else its default. */
export function configValue<K extends ConfigKey>(state: RegistryState, key: K): ConfigValue<K> {
  const spec = CONFIG[key];
  const parsed = spec.schema.safeParse(state.config.get(key));
  return parsed.success ? parsed.data : spec.fallback;
}
