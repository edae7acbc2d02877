// What an operator's membership change must pass before the leader proposes it. The core enforces
// one change at a time and refuses invalid ones; these rules add what is unsafe for an operator
// (shrinking below a fault-tolerant size, cutting off the working majority) and say why in words.
import type { ConfState, NodeId } from '../raft/index.ts';

/** A change refused before it is proposed; `reason` maps to an HTTP status at the edge. */
export interface Refusal {
  readonly reason: 'invalid' | 'not_member' | 'conflict';
  readonly message: string;
}

/** The leader's view of a peer's replication (core/raft `Status.progress`). */
export type ProgressView = ReadonlyMap<NodeId, { readonly state: string; readonly match: number }>;

/**
 * A voter is removed only while more than this many remain: a group of 2 stops when either peer
 * fails, so a replacement is added first and the old peer removed after.
 */
export const MIN_VOTERS = 3;

export type Role = 'voter' | 'learner';

export function roleOf(conf: ConfState, id: NodeId): Role | null {
  if (conf.voters.includes(id)) return 'voter';
  if (conf.learners.includes(id)) return 'learner';
  return null;
}

export function describeConf(conf: ConfState): string {
  const list = (ids: readonly NodeId[]) => (ids.length === 0 ? 'none' : ids.join(', '));
  return `voters ${list(conf.voters)}; learners ${list(conf.learners)}`;
}

/** The configuration applied here differs from the newest one in the log: a change is in flight. */
export function changePending(applied: ConfState, appended: ConfState): boolean {
  const same = (a: readonly NodeId[], b: readonly NodeId[]) =>
    a.length === b.length && a.every((v, i) => v === b[i]);
  return !same(applied.voters, appended.voters) || !same(applied.learners, appended.learners);
}

/** Adding `id`: a voter already is a conflict; a learner is promoted (a retried add resumes). */
export function checkAdd(conf: ConfState, id: NodeId): Refusal | null {
  if (conf.voters.includes(id))
    return conflict(`Peer ${id} is already a voter (${describeConf(conf)}).`);
  return null;
}

/**
 * Removing `id` at `leader`. A learner can always go. A voter may not be the leader (the core
 * refuses it: transfer first), may not shrink the group below MIN_VOTERS, and the voters left
 * must include a majority the leader is replicating to now, or the removal itself could never
 * commit and the group would stop.
 */
export function checkRemove(
  conf: ConfState,
  id: NodeId,
  leader: NodeId,
  progress: ProgressView,
): Refusal | null {
  const role = roleOf(conf, id);
  if (role === null)
    return { reason: 'not_member', message: `Peer ${id} is not a member (${describeConf(conf)}).` };
  if (role === 'learner') return null;
  if (conf.voters.length === 1) return conflict(`Peer ${id} is the last voter; it cannot go.`);
  if (id === leader)
    return conflict(
      `Peer ${id} is the leader; transfer leadership to another voter first, then remove it.`,
    );
  const left = conf.voters.filter((v) => v !== id);
  if (left.length < MIN_VOTERS)
    return conflict(
      `Removing voter ${id} would leave ${left.length} voters, and a group that small stops when any one of them fails; add a replacement first, then remove peer ${id}.`,
    );
  const keepingUp = left.filter((v) => v === leader || progress.get(v)?.state === 'replicate');
  const majority = Math.floor(left.length / 2) + 1;
  if (keepingUp.length < majority) {
    const lagging = left.filter((v) => !keepingUp.includes(v));
    return conflict(
      `Removing voter ${id} would leave voters ${left.join(', ')}, a majority of which is ${majority}, but only ${keepingUp.join(', ')} keep up with the leader now (not ${lagging.join(', ')}); bring them back first.`,
    );
  }
  return null;
}

/** Handing leadership to `to`: it must be a voter; `to === leader` needs nothing. */
export function checkTransfer(conf: ConfState, to: NodeId): Refusal | null {
  const role = roleOf(conf, to);
  if (role === null)
    return { reason: 'not_member', message: `Peer ${to} is not a member (${describeConf(conf)}).` };
  if (role === 'learner')
    return conflict(`Peer ${to} is a learner; only a voter can lead (add it as a voter first).`);
  return null;
}

function conflict(message: string): Refusal {
  return { reason: 'conflict', message };
}
