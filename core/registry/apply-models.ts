// model.seen and model.prune: the catalogue of models that enrolled nodes have served.
import { quote } from '../protocol/limits.ts';
import type { CommandOf } from './commands.ts';
import { accepted, refused, type Applied } from './result.ts';
import type { ModelRecord, RegistryState } from './state.ts';
import { compareStrings } from './tables.ts';

/**
 * Records that an enrolled node serves these models at `at`. Times only move forward: a sighting
 * older than the one recorded (a proposer with a slower clock) keeps the later one.
 */
export function modelsSeen(
  state: RegistryState,
  cmd: CommandOf<'model.seen'>,
): Applied<{ readonly added: readonly string[] }> {
  if (!state.tokenOfNode.has(cmd.nodeId)) {
    return refused(
      state,
      'unknown_node',
      `Node ${quote(cmd.nodeId)} is not enrolled: no node token is bound to it.`,
    );
  }
  const models = new Map(state.models);
  const added: string[] = [];
  for (const id of cmd.ids) {
    const current = models.get(id);
    if (!current) added.push(id);
    const seenBy = new Map(current?.seenBy);
    seenBy.set(cmd.nodeId, Math.max(cmd.at, seenBy.get(cmd.nodeId) ?? cmd.at));
    models.set(id, { id, firstSeen: Math.min(current?.firstSeen ?? cmd.at, cmd.at), seenBy });
  }
  return accepted({ ...state, models }, { added: added.sort(compareStrings) });
}

/**
 * Keeps what an enrolled node announced since `at - olderThan`. Sightings that are older, or by a
 * node no longer enrolled, are dropped; a model left with none is removed from the catalogue.
 */
export function pruneModels(
  state: RegistryState,
  cmd: CommandOf<'model.prune'>,
): Applied<{ readonly removed: readonly string[] }> {
  const since = cmd.at - cmd.olderThan;
  const models = new Map<string, ModelRecord>();
  const removed: string[] = [];
  let changed = false;
  for (const model of state.models.values()) {
    const seenBy = new Map<string, number>();
    for (const [nodeId, at] of model.seenBy)
      if (at >= since && state.tokenOfNode.has(nodeId)) seenBy.set(nodeId, at);
    if (seenBy.size === 0) removed.push(model.id);
    else if (seenBy.size === model.seenBy.size) models.set(model.id, model);
    else models.set(model.id, { ...model, seenBy });
    changed ||= seenBy.size !== model.seenBy.size;
  }
  const next = changed ? { ...state, models } : state;
  return accepted(next, { removed: removed.sort(compareStrings) });
}
