import { ProximaError } from '@proxima/core/protocol';
import type { NodeId } from '@proxima/core/raft';
import {
  encodeCommand,
  type AnswerOf,
  type ApplyResult,
  type CommandValue,
  type RegistryCommandInput,
  type RegistryQuery,
} from '@proxima/core/registry';
import type { Env } from '../../env.ts';
import { atLeader, type Attempt } from './at-leader.ts';
import type { RaftPeer } from '../peer/raft-peer.ts';

export interface ClientOptions {
  /** How long one peer may take to apply a proposal or answer a read. */
  readonly timeoutMs: number;
  /** How long a call may keep trying peers (an election under way) before it answers 503. */
  readonly budgetMs: number;
}

/**
 * The budget covers a cold start (peers campaign when they boot) and most failovers at the default
 * 0.5 s tick; a longer outage is a 503 with Retry-After, not a request parked for ever.
 */
export const DEFAULT_CLIENT: ClientOptions = { timeoutMs: 3000, budgetMs: 8000 };

/** What a proposal came to: its result, or `duplicate` when only a retry's answer arrived. */
export type Proposal<V> = ApplyResult<V> | { readonly ok: true; readonly duplicate: true };

function noLeader(): ProximaError {
  return new ProximaError(
    'no_capacity',
    'The registry has no leader right now (an election is under way or a majority is unreachable); retry shortly.',
    { retryAfter: 2 },
  );
}

/**
 * The Worker's way into the registry group: calls go to the leader it knows of (any peer would
 * forward a proposal or a read, one hop later), a refusal's leader hint redirects the retry, a
 * group without a leader is retried with backoff, and the whole call is bounded by a time budget
 * so an outage costs a clear 503, not a pile-up.
 */
export class RegistryClient {
  private readonly env: Env;
  private readonly options: ClientOptions;

  constructor(env: Env, options: ClientOptions = DEFAULT_CLIENT) {
    this.env = env;
    this.options = options;
  }

  /**
   * Proposes a command; a retry reuses the proposal id, so it applies once. A retry that finds its
   * id applied already (the first try's answer was lost) has no result of its own: `duplicate`.
   */
  async propose<C extends RegistryCommandInput>(
    command: C,
  ): Promise<Proposal<CommandValue<C['type']>>> {
    const bytes = encodeCommand(command);
    const id = crypto.randomUUID();
    return this.withLeader(async (stub, peer) => {
      const outcome = await stub.propose(peer, id, bytes, this.options.timeoutMs);
      if (!outcome.ok) {
        if (outcome.reason === 'invalid')
          throw new ProximaError('invalid_request', outcome.message);
        if (outcome.reason === 'gated') throw new ProximaError('conflict', outcome.message);
        return { ok: false, leader: outcome.leader };
      }
      // RPC typing widens the applied result to unknown; the peer applied this very command.
      const value =
        'result' in outcome
          ? (outcome.result as ApplyResult<CommandValue<C['type']>>)
          : ({ ok: true, duplicate: true } as const);
      return { ok: true, value };
    });
  }

  /** A linearizable read (ReadIndex at the peer that answers). */
  async read<Q extends RegistryQuery>(query: Q): Promise<AnswerOf<Q>> {
    return this.withLeader(async (stub, peer) => {
      const outcome = await stub.query(peer, query, this.options.timeoutMs);
      if (outcome.ok) return { ok: true, value: outcome.value as AnswerOf<Q> };
      if (outcome.reason === 'invalid') throw new ProximaError('invalid_request', outcome.message);
      return { ok: false, leader: outcome.leader };
    });
  }

  private withLeader<T>(
    attempt: (stub: DurableObjectStub<RaftPeer>, peer: NodeId) => Promise<Attempt<T>>,
  ): Promise<T> {
    return atLeader(this.env, this.options.budgetMs, attempt, noLeader);
  }
}
