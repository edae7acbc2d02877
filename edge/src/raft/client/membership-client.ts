import type { LocationHint } from '@proxima/core/membership';
import { ProximaError } from '@proxima/core/protocol';
import type { NodeId } from '@proxima/core/raft';
import type { Env } from '../../env.ts';
import type { MembershipDone, MembershipRefusal } from '../peer/membership.ts';
import { peerStub } from '../peer/peers.ts';
import type { PeerStatus, RaftPeer } from '../peer/raft-peer.ts';
import { atLeader } from './at-leader.ts';
import { knownPeers, learnMembers } from './members.ts';

/** A peer that did not answer its status. */
export interface PeerUnreachable {
  readonly self: NodeId;
  readonly error: string;
}

export type PeerView = PeerStatus | PeerUnreachable;

export type Removed = MembershipDone & { readonly retired: boolean };

/** The group as an operator sees it: each member's own view, and the configuration of its leader. */
export interface GroupStatus {
  /** The peer that leads by its own account (the highest term if several claim it); 0 for none. */
  readonly leader: NodeId;
  /** The leader's voters and learners; without a leader, empty. */
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /** The leader's members in id order; without a leader, every peer this isolate knows of. */
  readonly peers: readonly PeerView[];
}

export interface MembershipClientOptions {
  /** How long the leader may take over one change (an add includes the new peer's catch-up). */
  readonly timeoutMs: number;
  /** How long to look for a leader before answering 503. */
  readonly findLeaderMs: number;
}

export const DEFAULT_MEMBERSHIP: MembershipClientOptions = {
  timeoutMs: 15_000,
  findLeaderMs: 5000,
};

/**
 * The admin API's way into the group's membership: status from every member, and changes sent to
 * the leader (a peer that is not the leader answers with its hint). Refusals become ProximaErrors
 * with the status the admin API answers.
 */
export class MembershipClient {
  private readonly env: Env;
  private readonly options: MembershipClientOptions;

  constructor(env: Env, options: MembershipClientOptions = DEFAULT_MEMBERSHIP) {
    this.env = env;
    this.options = options;
  }

  /** Every member's own view, without consensus: what an operator looks at first. */
  async status(): Promise<GroupStatus> {
    const views = new Map<NodeId, PeerView>();
    await this.collect(knownPeers(this.env), views);
    let leader = leaderOf(views);
    if (!leader) {
      // The members may name a leader this isolate did not know of (an added peer).
      const named = [...views.values()].flatMap((v) => ('leader' in v ? [v.leader] : []));
      await this.collect(
        named.filter((id) => id !== 0),
        views,
      );
      leader = leaderOf(views);
    }
    if (!leader) return { leader: 0, voters: [], learners: [], peers: sorted([...views.values()]) };
    const members = [...leader.voters, ...leader.learners];
    learnMembers(members);
    await this.collect(members, views);
    return {
      leader: leader.self,
      voters: leader.voters,
      learners: leader.learners,
      peers: sorted(members.flatMap((id) => views.get(id) ?? [])),
    };
  }

  /** Adds peer `id` as a voter, placed by `hint` if it is new. */
  add(id: NodeId, hint: LocationHint | null): Promise<MembershipDone> {
    return this.change((stub, peer) => stub.addPeer(peer, id, hint, this.options.timeoutMs));
  }

  /** Removes peer `id`; `retired` says whether it acknowledged that it must stop. */
  remove(id: NodeId): Promise<Removed> {
    return this.change<Removed>((stub, peer) => stub.removePeer(peer, id, this.options.timeoutMs));
  }

  /** Hands leadership to voter `to`. */
  transfer(to: NodeId): Promise<MembershipDone> {
    return this.change((stub, peer) => stub.transferLeadership(peer, to, this.options.timeoutMs));
  }

  private async collect(ids: readonly NodeId[], into: Map<NodeId, PeerView>): Promise<void> {
    const wanted = [...new Set(ids)].filter((id) => !into.has(id));
    const views = await Promise.all(
      wanted.map(async (self): Promise<PeerView> => {
        try {
          return await peerStub(this.env, self).status(self);
        } catch (err) {
          return { self, error: err instanceof Error ? err.message.slice(0, 200) : 'unreachable' };
        }
      }),
    );
    for (const view of views) into.set(view.self, view);
  }

  /** Sends a change to the leader; a refusal other than "not the leader" is the answer. */
  private change<T extends MembershipDone>(
    call: (stub: DurableObjectStub<RaftPeer>, peer: NodeId) => Promise<T | MembershipRefusal>,
  ): Promise<T> {
    return atLeader(
      this.env,
      this.options.findLeaderMs,
      async (stub, peer) => {
        const outcome = await call(stub, peer);
        if (outcome.ok) {
          learnMembers([...outcome.voters, ...outcome.learners]);
          return { ok: true, value: outcome };
        }
        if (outcome.reason !== 'not_leader') throw refusalError(outcome);
        return { ok: false, leader: outcome.leader, message: outcome.message };
      },
      (last) =>
        new ProximaError(
          'no_capacity',
          `The registry group has no leader right now (an election is under way or a majority is unreachable; last answer: ${last ?? 'none'}); retry shortly.`,
          { retryAfter: 2 },
        ),
    );
  }
}

/** The admin API's answer to a refusal: 400, 404, 409, or 503 for what may yet succeed. */
export function refusalError(refusal: MembershipRefusal): ProximaError {
  switch (refusal.reason) {
    case 'invalid':
      return new ProximaError('invalid_request', refusal.message);
    case 'not_member':
      return new ProximaError('not_found', refusal.message);
    case 'conflict':
      return new ProximaError('conflict', refusal.message);
    case 'busy':
      return new ProximaError('conflict', refusal.message, { retryAfter: 1 });
    case 'timeout':
    case 'not_leader':
      return new ProximaError('no_capacity', refusal.message, { retryAfter: 2 });
  }
}

/** The member that leads by its own account; the highest term wins if a deposed one still claims it. */
function leaderOf(views: ReadonlyMap<NodeId, PeerView>): PeerStatus | null {
  let best: PeerStatus | null = null;
  for (const view of views.values()) {
    if (!('leader' in view) || view.leader !== view.self) continue;
    if (!best || view.term > best.term) best = view;
  }
  return best;
}

function sorted(views: PeerView[]): PeerView[] {
  return views.sort((a, b) => a.self - b.self);
}
