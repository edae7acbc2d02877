// Driving the three-peer registry group from a workerd test: statuses, leaders, faults, writes.
import { env } from 'cloudflare:test';
import type { NodeId } from '@proxima/core/raft';
import { encodeCommand, type ApplyResult } from '@proxima/core/registry';
import type { Env } from '../src/env.ts';
import type { FaultSpec } from '../src/raft/peer/faults.ts';
import { peerStub } from '../src/raft/peer/peers.ts';
import type { PeerStatus } from '../src/raft/peer/raft-peer.ts';

export const testEnv = env as Env;
export const peers: readonly NodeId[] = [1, 2, 3];

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function stub(id: NodeId) {
  return peerStub(testEnv, id);
}

export function others(id: NodeId): NodeId[] {
  return peers.filter((p) => p !== id);
}

export async function statuses(among: readonly NodeId[] = peers): Promise<PeerStatus[]> {
  return Promise.all(among.map((id) => stub(id).status(id)));
}

/**
 * Polls until every peer in `among` names the same leader, itself in `among` (RAFT_TICK_MS is 50
 * in tests: an election takes about a second).
 */
export async function agreedLeader(among: readonly NodeId[] = peers, ms = 5000): Promise<NodeId> {
  const deadline = Date.now() + ms;
  for (;;) {
    const all = await statuses(among);
    const leader = all[0]?.leader ?? 0;
    if (among.includes(leader) && all.every((s) => s.leader === leader)) return leader;
    if (Date.now() > deadline) throw new Error(`no agreed leader: ${JSON.stringify(all)}`);
    await sleep(50);
  }
}

export async function setFaults(id: NodeId, spec: FaultSpec | null): Promise<void> {
  await stub(id).setFaults(id, spec);
}

/** Cuts `id` off from every other peer, both ways (its sends dropped, theirs ignored). */
export async function isolate(id: NodeId, seed = 1): Promise<void> {
  await setFaults(id, { seed, cut: others(id) });
}

export async function healAll(): Promise<void> {
  await Promise.all(peers.map((id) => setFaults(id, null)));
}

export function routeSet(alias: string, target: string): Uint8Array {
  return encodeCommand({ v: 1, type: 'route.set', alias, target });
}

/** Proposes at `at` in turn, retrying the same id on a refusal or timeout until it applies. */
export async function writeRoute(
  at: readonly NodeId[],
  id: string,
  alias: string,
  target: string,
  ms = 8000,
): Promise<void> {
  const command = routeSet(alias, target);
  const deadline = Date.now() + ms;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const peer = at[attempt % at.length] as NodeId;
    const outcome = await stub(peer)
      .propose(peer, id, command, 500)
      .catch(() => null);
    if (outcome?.ok) {
      // Over RPC the result's type is erased to unknown: it is the registry's ApplyResult.
      if ('result' in outcome && !(outcome.result as ApplyResult<unknown>).ok)
        throw new Error(`route.set ${alias} refused: ${JSON.stringify(outcome.result)}`);
      return;
    }
    await sleep(50);
  }
  throw new Error(`proposal ${id} did not apply within ${ms} ms`);
}

/** A linearizable read of a route at `peer`, retried there until it answers. */
export async function readRoute(peer: NodeId, alias: string, ms = 8000): Promise<string | null> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const read = await stub(peer)
      .readRoute(peer, alias, 500, 'linearizable')
      .catch(() => null);
    if (read?.ok) return read.value;
    await sleep(50);
  }
  throw new Error(`peer ${peer} answered no linearizable read of ${alias} within ${ms} ms`);
}

/** The tenants' names, read linearizably at `at`; null when the read did not complete. */
export async function tenantNames(at: NodeId, timeoutMs = 5000): Promise<string[] | null> {
  const read = await stub(at).query(at, { type: 'tenants' }, timeoutMs);
  if (!read.ok) return null;
  return (read.value as Array<{ tenant: string }>).map((t) => t.tenant);
}
