import { ProximaError } from '@proxima/core/protocol';
import { refusalError } from '@proxima/core/registry';
import type { Proposal } from '../../raft/client/registry-client.ts';

/**
 * A proposal's value for an admin answer: a refusal becomes its 400/404/409. A retry that found
 * its first try applied has no value of its own; `reread` fetches what the write left.
 */
export async function settle<V>(
  proposal: Proposal<V>,
  reread: () => Promise<V | null>,
): Promise<V> {
  if (!proposal.ok) throw refusalError(proposal);
  if ('value' in proposal) return proposal.value;
  const value = await reread();
  if (value === null) {
    throw new ProximaError(
      'internal_error',
      'The change was applied, but its result could not be read back; list to see it.',
    );
  }
  return value;
}
