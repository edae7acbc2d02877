// Test helpers shared by the registry's tests: deterministic hashes and a strict applier.
import { apply } from './apply.ts';
import type { CommandType, RegistryCommandInput } from './commands.ts';
import { emptyState, type RegistryState } from './state.ts';

/** A SHA-256-shaped hex string whose 12-digit id prefix is `n`'s, with an optional distinct tail. */
export function hashOf(n: number, tail = 0): string {
  return n.toString(16).padStart(12, '0') + tail.toString(16).padStart(52, '0');
}

/** Applies commands in order; throws on the first refusal (a test's setup must not be refused). */
export function build(
  commands: readonly RegistryCommandInput[],
  state: RegistryState = emptyState(),
): RegistryState {
  let s = state;
  for (const cmd of commands) {
    const { state: next, result } = apply(s, cmd);
    if (!result.ok) throw new Error(`setup refused ${cmd.type}: ${result.code}: ${result.message}`);
    s = next;
  }
  return s;
}

/** One valid command of every type (a Record, so a new type cannot be forgotten here). */
export const SAMPLES: { readonly [T in CommandType]: Extract<RegistryCommandInput, { type: T }> } =
  {
    'tenant.upsert': { v: 1, type: 'tenant.upsert', tenant: 'acme', limits: {}, at: 1 },
    'tenant.remove': { v: 1, type: 'tenant.remove', tenant: 'acme' },
    'key.create': {
      v: 1,
      type: 'key.create',
      hash: hashOf(1),
      tenant: 'acme',
      name: 'ci',
      limits: { requestsPerMinute: 60 },
      at: 1,
    },
    'key.rotate': { v: 1, type: 'key.rotate', id: 'key_000000000001', hash: hashOf(2), at: 2 },
    'key.revoke': { v: 1, type: 'key.revoke', id: 'key_000000000001' },
    'key.setLimits': {
      v: 1,
      type: 'key.setLimits',
      id: 'key_000000000001',
      limits: { tokensPerDay: 1000 },
    },
    'node.enroll': { v: 1, type: 'node.enroll', hash: hashOf(3), name: 'gpu', at: 1 },
    'node.bind': { v: 1, type: 'node.bind', id: 'ntk_000000000003', nodeId: 'gpu-1', at: 2 },
    'node.revoke': { v: 1, type: 'node.revoke', id: 'ntk_000000000003' },
    'model.seen': { v: 1, type: 'model.seen', ids: ['llama3:8b'], nodeId: 'gpu-1', at: 3 },
    'model.prune': { v: 1, type: 'model.prune', olderThan: 60_000, at: 4 },
    'config.set': { v: 1, type: 'config.set', key: 'models.memoryMs', value: 5000 },
    'route.set': { v: 1, type: 'route.set', alias: 'gpt-4o', target: 'llama3:8b' },
    'route.remove': { v: 1, type: 'route.remove', alias: 'gpt-4o' },
    'cacheEpoch.bump': { v: 1, type: 'cacheEpoch.bump', scope: '*' },
    'shards.set': { v: 1, type: 'shards.set', namespace: 'docs', version: 1, shards: ['s0', 's1'] },
    'cluster.setVersion': { v: 1, type: 'cluster.setVersion', version: 1 },
  };
