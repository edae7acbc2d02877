import {
  changePending,
  checkAdd,
  checkRemove,
  checkTransfer,
  isLocationHint,
  isPeerId,
  LOCATION_HINT_RULE,
  PEER_ID_RULE,
  roleOf,
  type LocationHint,
  type Refusal,
} from '@proxima/core/membership';
import { isRaftError, type ConfChange, type ConfState, type NodeId } from '@proxima/core/raft';
import type { Replica } from '@proxima/core/replica';

/**
 * A membership call refused or unfinished, as a value (an RPC that throws leaks in tests and
 * tells the caller less). `leader` is the leader this peer knows of, 0 for none.
 */
export interface MembershipRefusal {
  readonly ok: false;
  /**
   * `invalid` bad arguments; `not_leader` ask `leader`; `not_member` no such peer; `conflict` the
   * change is unsafe or contradicts the group; `busy` another change is under way, retry soon;
   * `timeout` proposed but not applied in time (it may still apply).
   */
  readonly reason: Refusal['reason'] | 'not_leader' | 'busy' | 'timeout';
  readonly message: string;
  readonly leader: NodeId;
}

/** The group after a change, as the leader applied it. */
export interface MembershipDone {
  readonly ok: true;
  readonly leader: NodeId;
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export type MembershipOutcome = MembershipDone | MembershipRefusal;

/** A removal also says whether the removed peer acknowledged its retirement. */
export type RemovalOutcome = (MembershipDone & { readonly retired: boolean }) | MembershipRefusal;

/** What the leader needs from other objects: both are RPCs to the peer concerned. */
export interface PeerCalls {
  /** Whether the object for `id` was never a peer; creating it with `hint` places it. */
  joinable(
    id: NodeId,
    hint: LocationHint | null,
  ): Promise<{ readonly ok: true } | { readonly ok: false; readonly message: string }>;
  /** Tells a removed peer to stop for good; false when it could not be told. */
  retire(id: NodeId): Promise<boolean>;
}

/** The part of ReplicaHost (./host.ts) membership uses: the replica, and sending at once. */
export interface MembershipHost {
  readonly replica: Pick<
    Replica<unknown, unknown>,
    | 'id'
    | 'leader'
    | 'applied'
    | 'confState'
    | 'status'
    | 'proposeConfChange'
    | 'transferLeadership'
  >;
  flush(): void;
}

type Host = MembershipHost;

/** How often a waiting change looks at the replica again: applying happens on RPCs, not ticks. */
const POLL_MS = 10;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The leader's side of membership: one operator change at a time, each checked by the rules of
 * core/membership, proposed as single-server conf changes and awaited until applied here.
 * An add goes learner first, then voter once the learner has caught up, so a new empty peer never
 * counts in a quorum before it can vote usefully.
 */
export class MembershipDesk {
  private readonly calls: PeerCalls;
  private busy = false;

  constructor(calls: PeerCalls) {
    this.calls = calls;
  }

  async add(host: Host, id: unknown, hint: unknown, timeoutMs: number): Promise<MembershipOutcome> {
    if (!isPeerId(id))
      return invalid(host, `Invalid peer id ${show(id)}: must be ${PEER_ID_RULE}.`);
    const placement = hint ?? null; // an RPC caller may send undefined for "none"
    if (placement !== null && !isLocationHint(placement))
      return invalid(host, `Invalid location hint ${show(hint)}: must be ${LOCATION_HINT_RULE}.`);
    return this.exclusive(
      host,
      async (deadline) => {
        const refused = checkAdd(appended(host), id);
        if (refused) return refusal(host, refused);
        if (roleOf(host.replica.confState, id) === null) {
          const joinable = await this.calls.joinable(id, placement).catch((err: unknown) => ({
            ok: false as const,
            message: `Peer ${id} could not be reached to check it is new: ${errorText(err)}.`,
          }));
          if (!joinable.ok) return refusal(host, { reason: 'conflict', message: joinable.message });
          const learner = await propose(host, { type: 'addLearner', nodeId: id }, deadline);
          if (learner) return learner;
        }
        // A retried add finds the learner in place and resumes here.
        const target = host.replica.status().lastIndex;
        const caughtUp = await until(
          () =>
            host.replica.leader !== host.replica.id ||
            (host.replica.status().progress.get(id)?.match ?? 0) >= target,
          deadline,
        );
        const deposed = notLeader(host);
        if (deposed) return deposed;
        if (!caughtUp)
          return timeout(
            host,
            `Peer ${id} was added as a learner but has not caught up yet; it stays a learner. Add it again to promote it once it has.`,
          );
        return (await propose(host, { type: 'addVoter', nodeId: id }, deadline)) ?? done(host);
      },
      timeoutMs,
    );
  }

  async remove(host: Host, id: unknown, timeoutMs: number): Promise<RemovalOutcome> {
    if (!isPeerId(id))
      return invalid(host, `Invalid peer id ${show(id)}: must be ${PEER_ID_RULE}.`);
    return this.exclusive(
      host,
      async (deadline): Promise<RemovalOutcome> => {
        const status = host.replica.status();
        const refused = checkRemove(status.confState, id, host.replica.id, status.progress);
        if (refused) return refusal(host, refused);
        const failed = await propose(host, { type: 'removeNode', nodeId: id }, deadline);
        if (failed) return failed;
        const retired = await this.calls.retire(id).catch(() => false);
        return { ...done(host), retired };
      },
      timeoutMs,
    );
  }

  async transfer(host: Host, to: unknown, timeoutMs: number): Promise<MembershipOutcome> {
    if (!isPeerId(to))
      return invalid(host, `Invalid peer id ${show(to)}: must be ${PEER_ID_RULE}.`);
    const leader = notLeader(host);
    if (leader) return leader;
    if (to === host.replica.id) return done(host);
    const refused = checkTransfer(appended(host), to);
    if (refused) return refusal(host, refused);
    if (host.replica.status().leadTransferee !== 0)
      return busy(host, 'A leadership transfer is already under way; retry in a moment.');
    host.replica.transferLeadership(to);
    host.flush();
    const moved = await until(() => host.replica.leader === to, Date.now() + timeoutMs);
    if (!moved)
      return timeout(
        host,
        `Peer ${to} did not take over within ${timeoutMs} ms (it may be lagging or unreachable); peer ${host.replica.leader || 'none'} leads.`,
      );
    return done(host);
  }

  /** Runs `change` as the only one at this leader, and only at a leader with nothing pending. */
  private async exclusive<T extends MembershipOutcome | RemovalOutcome>(
    host: Host,
    change: (deadline: number) => Promise<T>,
    timeoutMs: number,
  ): Promise<T | MembershipRefusal> {
    const leader = notLeader(host);
    if (leader) return leader;
    if (this.busy || changePending(host.replica.confState, appended(host)))
      return busy(host, 'Another membership change is under way; retry when it has applied.');
    this.busy = true;
    try {
      return await change(Date.now() + timeoutMs);
    } finally {
      this.busy = false;
    }
  }
}

/**
 * Proposes one conf change and waits until this peer applied the entry carrying it; null when it
 * applied as proposed, a refusal otherwise.
 */
async function propose(
  host: Host,
  change: ConfChange,
  deadline: number,
): Promise<MembershipRefusal | null> {
  let proposed;
  try {
    proposed = host.replica.proposeConfChange(change);
  } catch (err) {
    if (!isRaftError(err)) throw err;
    return refusal(host, {
      reason: 'conflict',
      message: `The change was refused: ${err.message}.`,
    });
  }
  if (!proposed.ok) {
    if (proposed.reason === 'no_leader') return notLeader(host) ?? busy(host, 'No leader.');
    return busy(
      host,
      'The leader is not ready for a membership change (one is pending, a transfer is under way, or it was just elected); retry in a moment.',
    );
  }
  const index = host.replica.status().lastIndex;
  host.flush();
  const applied = await until(() => host.replica.applied >= index, deadline);
  if (!applied)
    return timeout(
      host,
      `The change (${describeChange(change)}) was proposed at index ${index} but not applied in time; it may still apply, so check the status before retrying.`,
    );
  if (!reflects(host.replica.confState, change))
    return busy(host, `The change (${describeChange(change)}) was lost in a leader change; retry.`);
  return null;
}

/** Polls `condition` until it holds or `deadline` passes. */
async function until(condition: () => boolean, deadline: number): Promise<boolean> {
  for (;;) {
    if (condition()) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await sleep(Math.min(POLL_MS, left));
  }
}

/** The newest configuration in the leader's log, applied or not. */
function appended(host: Host): ConfState {
  return host.replica.status().confState;
}

function reflects(conf: ConfState, change: ConfChange): boolean {
  const role = roleOf(conf, change.nodeId);
  if (change.type === 'addVoter') return role === 'voter';
  if (change.type === 'addLearner') return role === 'learner';
  return role === null;
}

function describeChange(change: ConfChange): string {
  const verb = { addVoter: 'make a voter', addLearner: 'add as a learner', removeNode: 'remove' };
  return `${verb[change.type]} peer ${change.nodeId}`;
}

function notLeader(host: Host): MembershipRefusal | null {
  const leader = host.replica.leader;
  if (leader === host.replica.id) return null;
  return {
    ok: false,
    reason: 'not_leader',
    message:
      leader === 0
        ? `Peer ${host.replica.id} knows no leader (an election may be under way).`
        : `Peer ${host.replica.id} is not the leader; peer ${leader} is.`,
    leader,
  };
}

function done(host: Host): MembershipDone {
  const conf = host.replica.confState;
  return { ok: true, leader: host.replica.leader, voters: conf.voters, learners: conf.learners };
}

function refusal(host: Host, refused: Refusal): MembershipRefusal {
  return {
    ok: false,
    reason: refused.reason,
    message: refused.message,
    leader: host.replica.leader,
  };
}

function invalid(host: Host, message: string): MembershipRefusal {
  return refusal(host, { reason: 'invalid', message });
}

function busy(host: Host, message: string): MembershipRefusal {
  return { ok: false, reason: 'busy', message, leader: host.replica.leader };
}

function timeout(host: Host, message: string): MembershipRefusal {
  return { ok: false, reason: 'timeout', message, leader: host.replica.leader };
}

/** A caller's value in a message, bounded (it may be anything an RPC caller sent). */
function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = typeof value;
  }
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message.slice(0, 200) : 'unreachable';
}
