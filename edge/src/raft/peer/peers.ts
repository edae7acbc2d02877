import type { NodeId } from '@proxima/core/raft';
import { intVar, type Env } from '../../env.ts';
import type { RaftPeer } from './raft-peer.ts';

/** Peers of the registry group: 3 by default, 5 optional. */
export function groupSize(env: Env): number {
  const size = intVar(env.RAFT_PEERS, 3, 1, 7);
  if (size % 2 === 0) throw new Error(`RAFT_PEERS must be odd (1, 3, 5 or 7), got ${size}`);
  return size;
}

/** The location hint of peer `id` (1-based) from RAFT_LOCATION_HINTS, e.g. "wnam,enam,weur". */
export function locationHint(env: Env, id: NodeId): DurableObjectLocationHint | undefined {
  const hints = (env.RAFT_LOCATION_HINTS ?? '').split(',').map((h) => h.trim());
  const hint = hints[id - 1];
  return hint ? (hint as DurableObjectLocationHint) : undefined;
}

export function peerName(id: NodeId): string {
  return `raft-${id}`;
}

/** A fresh stub for a peer: the transport drops a stub after any exception and asks again. */
export function peerStub(env: Env, id: NodeId): DurableObjectStub<RaftPeer> {
  const hint = locationHint(env, id);
  return env.RAFT_PEER.get(
    env.RAFT_PEER.idFromName(peerName(id)),
    hint ? { locationHint: hint } : {},
  );
}
