import type { Env } from '../env.ts';
import type { LshShard } from './lsh-shard.ts';
import type { RagNamespace } from './rag-namespace.ts';

/** A namespace's object; the tenant is part of the name, so no two tenants ever share one. */
export function namespaceStub(
  env: Env,
  tenant: string,
  namespace: string,
): DurableObjectStub<RagNamespace> {
  return env.RAG_NAMESPACE.get(env.RAG_NAMESPACE.idFromName(`${tenant}/${namespace}`));
}

/** Shard ids carry their tenant and namespace (`tenant:namespace:seq`). */
export function shardStub(env: Env, shard: string): DurableObjectStub<LshShard> {
  return env.LSH_SHARD.get(env.LSH_SHARD.idFromName(shard));
}
