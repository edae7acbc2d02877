import { isPeerId } from '@proxima/core/membership';
import { ProximaError } from '@proxima/core/protocol';
import type { NodeId } from '@proxima/core/raft';
import type { Env } from '../../env.ts';
import { peerStub } from '../peer/peers.ts';
import type { RaftPeer } from '../peer/raft-peer.ts';
import { knownPeers, nextPeer } from './members.ts';

/** The leader this isolate last heard of: where the next call goes first. */
let leaderHint: NodeId = 0;

/** One try at one peer: an answer, or where to go next (0: no leader known there). */
export type Attempt<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly leader: NodeId; readonly message?: string };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Tries `attempt` at the leader this isolate knows of, follows a refusal's leader hint, walks the
 * known members when there is none, backs off 25 → 500 ms after each full round without a leader,
 * and gives up after `budgetMs` with `noLeader` (given the last refusal's message). A peer that
 * throws (unreachable, reset, removed) counts as one that knows no leader; a ProximaError thrown
 * by `attempt` itself is an answer and passes through.
 */
export async function atLeader<T>(
  env: Env,
  budgetMs: number,
  attempt: (stub: DurableObjectStub<RaftPeer>, peer: NodeId) => Promise<Attempt<T>>,
  noLeader: (lastMessage: string | undefined) => ProximaError,
): Promise<T> {
  const deadline = Date.now() + budgetMs;
  let target = isPeerId(leaderHint) ? leaderHint : (knownPeers(env)[0] ?? 1);
  let backoffMs = 25;
  for (let tried = 1; ; tried++) {
    let outcome: Attempt<T>;
    try {
      outcome = await attempt(peerStub(env, target), target);
    } catch (err) {
      if (err instanceof ProximaError) throw err;
      const message = err instanceof Error ? err.message.slice(0, 200) : 'unreachable';
      outcome = { ok: false, leader: 0, message };
    }
    if (outcome.ok) {
      leaderHint = target;
      return outcome.value;
    }
    leaderHint = outcome.leader;
    if (Date.now() >= deadline) throw noLeader(outcome.message);
    const hinted = isPeerId(outcome.leader) && outcome.leader !== target;
    target = nextPeer(env, target, outcome.leader);
    // A full round without a leader: an election is under way, so wait a little.
    if (!hinted && tried % knownPeers(env).length === 0) {
      await sleep(Math.min(backoffMs, Math.max(0, deadline - Date.now())));
      backoffMs = Math.min(backoffMs * 2, 500);
    }
  }
}
