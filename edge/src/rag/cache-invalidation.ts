// A document that changes or goes away takes the cached answers built on it along: the namespace
// object calls this before it answers the write, so no later request is answered from them.
import type { NamespaceIdentity } from '@proxima/core/rag';
import { cacheStub } from '../cache/stub.ts';
import type { Env } from '../env.ts';

export async function invalidateCachedAnswers(
  env: Env,
  id: NamespaceIdentity,
  docs: readonly string[] | 'all',
): Promise<void> {
  await cacheStub(env, id.tenant).invalidateSources(id.tenant, id.namespace, docs);
}
