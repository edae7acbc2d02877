import type { Env } from '../env.ts';
import { registryClient } from '../raft/client/registry.ts';

/**
 * Records in the replicated catalogue that `nodeId` served `models` at `at` (on connect and on
 * disconnect, so "known" counts from when a model was last served). Best effort and off the
 * node's path: presence already routes to the node, and a registry without a leader must not
 * keep a node from serving. A refusal (a revoked node) or an outage is logged, not thrown.
 */
export async function recordServed(
  env: Env,
  nodeId: string,
  models: readonly string[],
  at: number,
): Promise<void> {
  if (models.length === 0) return;
  try {
    const result = await (
      await registryClient(env)
    ).propose({ v: 1, type: 'model.seen', ids: [...models], nodeId, at });
    if (!result.ok) console.warn(JSON.stringify({ event: 'catalogue.refused', nodeId, ...result }));
  } catch (err) {
    console.warn(
      JSON.stringify({ event: 'catalogue.unavailable', nodeId, error: String(err).slice(0, 200) }),
    );
  }
}

/** How often presence proposes pruning the catalogue (when a node connects, at most this often). */
export const PRUNE_EVERY_MS = 60 * 60_000;

/**
 * Drops from the catalogue the models no enrolled node has served for `models.pruneAfterMs`.
 * Best effort, like recordServed: the next connect after an hour tries again.
 */
export async function pruneCatalogue(env: Env, at: number): Promise<void> {
  try {
    const registry = await registryClient(env);
    const olderThan = await registry.read({ type: 'setting', key: 'models.pruneAfterMs' });
    if (typeof olderThan !== 'number') return;
    const result = await registry.propose({ v: 1, type: 'model.prune', olderThan, at });
    if (result.ok && 'value' in result && result.value.removed.length > 0)
      console.log(JSON.stringify({ event: 'catalogue.pruned', removed: result.value.removed }));
  } catch (err) {
    console.warn(
      JSON.stringify({ event: 'catalogue.prune_failed', error: String(err).slice(0, 200) }),
    );
  }
}
