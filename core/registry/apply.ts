// The registry's state machine: every peer applies the same committed commands in the same order
// and reaches the same state. Pure and total: no clock, no I/O, no exception for a bad command.
import { ProximaError } from '../protocol/errors.ts';
import { removeTenant, upsertTenant } from './apply-tenants.ts';
import { createKey, revokeKey, rotateKey, setKeyLimits } from './apply-keys.ts';
import { bindNode, enrollNode, revokeNode } from './apply-nodes.ts';
import { modelsSeen, pruneModels } from './apply-models.ts';
import { removeRoute, setConfig, setRoute } from './apply-routing.ts';
import { bumpCacheEpoch, setShards } from './apply-epochs.ts';
import { setClusterVersion } from './apply-cluster.ts';
import { decodeCommand } from './codec.ts';
import {
  parseCommand,
  type CommandOf,
  type CommandType,
  type RegistryCommand,
  type RegistryCommandInput,
} from './commands.ts';
import { refused, type Applied } from './result.ts';
import type { RegistryState } from './state.ts';

type Handler<T extends CommandType> = (state: RegistryState, cmd: CommandOf<T>) => Applied<unknown>;

const HANDLERS = {
  'tenant.upsert': upsertTenant,
  'tenant.remove': removeTenant,
  'key.create': createKey,
  'key.rotate': rotateKey,
  'key.revoke': revokeKey,
  'key.setLimits': setKeyLimits,
  'node.enroll': enrollNode,
  'node.bind': bindNode,
  'node.revoke': revokeNode,
  'model.seen': modelsSeen,
  'model.prune': pruneModels,
  'config.set': setConfig,
  'route.set': setRoute,
  'route.remove': removeRoute,
  'cacheEpoch.bump': bumpCacheEpoch,
  'shards.set': setShards,
  'cluster.setVersion': setClusterVersion,
} as const;

/** The same table, typed so that a command's type picks its handler (a correlated lookup). */
const DISPATCH: { readonly [T in CommandType]: Handler<T> } = HANDLERS;

/** What each command answers when accepted. */
export type CommandValue<T extends CommandType> =
  ReturnType<(typeof HANDLERS)[T]> extends Applied<infer V> ? V : never;

/** Commands that, once accepted, may change what an existing key authenticates as. */
export const AUTH_CHANGING: ReadonlySet<CommandType> = new Set<CommandType>([
  'key.revoke',
  'key.rotate',
  'key.setLimits',
  'tenant.upsert',
  'tenant.remove',
]);

/** Runs a validated command through its type's handler; counts auth-changing ones. */
function dispatch<T extends CommandType>(
  state: RegistryState,
  cmd: CommandOf<T>,
): Applied<unknown> {
  const handler: Handler<T> = DISPATCH[cmd.type];
  const applied = handler(state, cmd);
  if (!applied.result.ok || !AUTH_CHANGING.has(cmd.type)) return applied;
  return { ...applied, state: { ...applied.state, authVersion: applied.state.authVersion + 1 } };
}

/** A command that fails validation is refused (`invalid_command`) like any other refusal. */
function refuseInvalid(state: RegistryState, err: unknown): Applied<never> {
  if (err instanceof ProximaError) return refused(state, 'invalid_command', err.message);
  throw err;
}

/**
 * Applies one command: `{ state, result }`, where a refusal leaves `state` the very object given.
 * The command is validated here too, so one built by hand cannot store what a log entry could not.
 */
export function apply<C extends RegistryCommandInput>(
  state: RegistryState,
  command: C,
): Applied<CommandValue<C['type']>> {
  let cmd: RegistryCommand;
  try {
    cmd = parseCommand(command);
  } catch (err) {
    return refuseInvalid(state, err);
  }
  // Validation keeps the type, so the handler for C['type'] ran and its value has that type.
  return dispatch(state, cmd) as Applied<CommandValue<C['type']>>;
}

/** Applies a committed log entry's bytes; a corrupt or unknown entry is refused, never thrown. */
export function applyEntry(state: RegistryState, entry: Uint8Array): Applied<unknown> {
  let cmd: RegistryCommand;
  try {
    cmd = decodeCommand(entry);
  } catch (err) {
    return refuseInvalid(state, err);
  }
  return dispatch(state, cmd);
}
