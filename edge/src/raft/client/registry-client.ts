import { ProximaError } from '@proxima/core/protocol';
import type { NodeId } from '@proxima/core/raft';
import { encodeCommand, type ApplyResult, type RegistryCommandInput } from '@proxima/core/registry';
import type { Env } from '../../env.ts';
import { groupSize, peerStub } from '../peer/peers.ts';
import type { PeerStatus } from '../peer/raft-peer.ts';

/** The leader this isolate last heard of: where the next proposal goes first. */
let leaderHint: NodeId = 0;

export interface ClientOptions {
  /** How long one peer may take to apply a proposal. */
  readonly timeoutMs: number;
  /** Peers tried before giving up (a retry reuses the proposal id, so it applies once). */
  readonly attempts: number;
}

export const DEFAULT_CLIENT: ClientOptions = { timeoutMs: 3000, attempts: 4 };

/**
 * The Worker's way into the registry group: proposals go to the leader it knows of (any peer
 * would forward them, one hop later), a refusal's leader hint redirects the retry, and the retry
 * budget is bounded so an outage costs a clear 503, not a pile-up.
 */
export class RegistryClient {
  private readonly env: Env;
  private readonly options: ClientOptions;

  constructor(env: Env, options: ClientOptions = DEFAULT_CLIENT) {
    this.env = env;
    this.options = options;
  }

  async propose(command: RegistryCommandInput): Promise<ApplyResult<unknown>> {
    const bytes = encodeCommand(command);
    const id = crypto.randomUUID();
    const size = groupSize(this.env);
    let target = leaderHint >= 1 && leaderHint <= size ? leaderHint : 1;
    for (let attempt = 0; attempt < this.options.attempts; attempt++) {
      const outcome = await peerStub(this.env, target)
        .propose(target, id, bytes, this.options.timeoutMs)
        .catch(() => null);
      if (outcome?.ok) {
        leaderHint = target;
        // A retry that finds its id applied already has no result of its own: the write stands.
        // RPC typing widens the applied result to unknown; the peer returns an ApplyResult.
        return 'result' in outcome
          ? (outcome.result as ApplyResult<unknown>)
          : { ok: true, value: null };
      }
      const hint = outcome?.leader ?? 0;
      target = hint >= 1 && hint <= size && hint !== target ? hint : (target % size) + 1;
      leaderHint = hint;
    }
    throw new ProximaError(
      'no_capacity',
      'The registry has no leader right now (an election is under way or a majority is unreachable); retry shortly.',
      { retryAfter: 2 },
    );
  }

  /** Every peer's own view, without consensus: what an operator looks at first. */
  async status(): Promise<Array<PeerStatus | { readonly self: NodeId; readonly error: string }>> {
    const size = groupSize(this.env);
    return Promise.all(
      Array.from({ length: size }, async (_, i) => {
        const self = i + 1;
        try {
          return await peerStub(this.env, self).status(self);
        } catch (err) {
          return { self, error: err instanceof Error ? err.message.slice(0, 200) : 'unreachable' };
        }
      }),
    );
  }
}
