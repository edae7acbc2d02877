// Small helpers for tests that drive a Cluster by hand.
import type { Operation } from '../checker/history.ts';
import type { NodeId } from '../types.ts';
import { NONE } from '../types.ts';
import type { Cluster } from './cluster.ts';
import type { KvOp } from './kv.ts';

/**
 * Runs until a leader is available and has committed an entry of its term (so it can serve reads
 * and membership changes); returns its id, or NONE after maxUnits.
 */
export function waitLeader(c: Cluster, maxUnits = 5_000): NodeId {
  const ready = (): boolean =>
    c.available() && c.node(c.leader()).rn.raft.committedEntryInCurrentTerm();
  c.runUntil(ready, maxUnits);
  return ready() ? c.leader() : NONE;
}

/** Invokes op and runs until it returns or times out. Returns the operation or null if rejected. */
export function call(
  c: Cluster,
  client: number,
  node: NodeId,
  op: KvOp,
  maxUnits = 2_000,
): Operation | null {
  let out: Operation | null = null;
  const id = c.invoke(client, node, op, (o) => (out = o));
  if (id === null) return null;
  c.runUntil(() => out !== null, maxUnits);
  return out;
}
