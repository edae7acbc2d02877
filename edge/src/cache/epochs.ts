// The cache epochs of a tenant ('*' flushes every tenant): part of every scope key, so bumping one
// in the registry orphans every older entry at once. Each isolate re-reads them at most once a
// second, so a flush takes effect everywhere within a second; while the registry cannot answer, the
// last values serve for up to 30 s, and after that the cache is skipped rather than risk a stale hit.
import type { Env } from '../env.ts';
import { registryClient } from '../raft/client/registry.ts';

const FRESH_MS = 1000;
const GRACE_MS = 30_000;
const CLIENT = { timeoutMs: 500, budgetMs: 1000 };

interface Known {
  readonly epoch: number;
  readonly readAt: number;
}

const known = new Map<string, Known>();

/** The combined epoch (global + tenant), or null when it cannot be known well enough to use. */
export async function cacheEpochOf(
  env: Env,
  tenant: string,
  now = Date.now(),
): Promise<number | null> {
  const seen = known.get(tenant);
  if (seen !== undefined && now - seen.readAt < FRESH_MS) return seen.epoch;
  try {
    const registry = await registryClient(env, CLIENT);
    const [all, own] = await Promise.all([
      registry.read({ type: 'cacheEpoch', scope: '*' }),
      registry.read({ type: 'cacheEpoch', scope: tenant }),
    ]);
    // Both only grow, so their sum changes whenever either does.
    const epoch = all + own;
    known.set(tenant, { epoch, readAt: now });
    if (known.size > 10_000) known.delete(known.keys().next().value!);
    return epoch;
  } catch (err) {
    if (seen !== undefined && now - seen.readAt < GRACE_MS) return seen.epoch;
    console.warn(
      JSON.stringify({
        event: 'cache.epoch_unknown',
        error: err instanceof Error ? err.message.slice(0, 200) : String(err),
      }),
    );
    return null;
  }
}

/** After this isolate bumped an epoch: read it again on the next request. */
export function forgetEpochs(): void {
  known.clear();
}
