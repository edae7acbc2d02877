import type { Env } from '../env.ts';
import type { SemanticCache } from './semantic-cache.ts';

/** One cache per tenant: no two tenants ever share an object, let alone an entry. */
export function cacheStub(env: Env, tenant: string): DurableObjectStub<SemanticCache> {
  return env.SEMANTIC_CACHE.get(env.SEMANTIC_CACHE.idFromName(tenant));
}
