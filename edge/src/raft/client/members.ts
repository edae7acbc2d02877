import { isPeerId } from '@proxima/core/membership';
import type { NodeId } from '@proxima/core/raft';
import type { Env } from '../../env.ts';
import { groupSize } from '../peer/peers.ts';

/**
 * This isolate's view of the group's members (voters and learners): seeded with the bootstrap
 * peers 1..RAFT_PEERS, then replaced by what a leader reports. Only a hint for where to try
 * first: a stale view costs a hop (a removed peer refuses at once), never a wrong answer.
 */
let learned: readonly NodeId[] | null = null;

/** The members to try, in id order. */
export function knownPeers(env: Env): NodeId[] {
  return learned ? [...learned] : Array.from({ length: groupSize(env) }, (_, i) => i + 1);
}

/**
 * Replaces the view with `members`, as a leader reported them (its voters and learners); ids
 * out of range are ignored, and an empty list changes nothing.
 */
export function learnMembers(members: readonly NodeId[]): void {
  const valid = [...new Set(members.filter((id) => isPeerId(id)))].sort((a, b) => a - b);
  if (valid.length > 0) learned = valid;
}

/**
 * Where to go after `current` did not serve: the leader it named if that is another peer (a
 * leader is a member even if this view has not learned it yet), else the next known member.
 */
export function nextPeer(env: Env, current: NodeId, hint: NodeId = 0): NodeId {
  if (isPeerId(hint) && hint !== current) return hint;
  const known = knownPeers(env);
  const at = known.indexOf(current);
  return known[(at + 1) % known.length] ?? 1;
}
