// cacheEpoch.bump and shards.set: the registry's two versioned counters.
import { quote } from '../protocol/limits.ts';
import type { CommandOf } from './commands.ts';
import { accepted, refused, type Applied } from './result.ts';
import type { RegistryState, ShardMapRecord } from './state.ts';
import { withEntry } from './tables.ts';

/** Invalidates a scope's cached answers: every cache key carries the epoch it was written under. */
export function bumpCacheEpoch(
  state: RegistryState,
  cmd: CommandOf<'cacheEpoch.bump'>,
): Applied<{ readonly scope: string; readonly epoch: number }> {
  const epoch = (state.cacheEpochs.get(cmd.scope) ?? 0) + 1;
  return accepted(
    { ...state, cacheEpochs: withEntry(state.cacheEpochs, cmd.scope, epoch) },
    { scope: cmd.scope, epoch },
  );
}

/** A new map for a namespace: its version is the current one + 1, so two racing splits cannot both win. */
export function setShards(
  state: RegistryState,
  cmd: CommandOf<'shards.set'>,
): Applied<{ readonly namespace: string } & ShardMapRecord> {
  const current = state.shardMaps.get(cmd.namespace)?.version ?? 0;
  if (cmd.version !== current + 1) {
    return refused(
      state,
      'version_conflict',
      `Shard map ${quote(cmd.namespace)} is at version ${current}; the next must be ${current + 1}, not ${cmd.version}.`,
    );
  }
  const record: ShardMapRecord = { version: cmd.version, shards: cmd.shards };
  return accepted(
    { ...state, shardMaps: withEntry(state.shardMaps, cmd.namespace, record) },
    { namespace: cmd.namespace, ...record },
  );
}
