import { SeededRand, type NodeId } from '@proxima/core/raft';
import { MAX_PEER_ID } from '@proxima/core/replica';
import type { Env } from '../../env.ts';
import type { TransportFaults } from './transport.ts';

/**
 * Transport faults a test sets on one peer with `RaftPeer.setFaults`. Present only in test builds:
 * the hook is wired in only when `RAFT_FAULT_INJECTION` is "on" (edge/wrangler.test.jsonc).
 */
export interface FaultSpec {
  /** Seed of the drop decisions, so a run's drops replay from it. */
  readonly seed: number;
  /** Probability in [0, 1] that a batch this peer sends to a peer is dropped, by destination id. */
  readonly drop?: Readonly<Record<number, number>>;
  /** Peers cut off from this one, both ways: nothing is sent to them, nothing from them is stepped. */
  readonly cut?: readonly NodeId[];
}

export const FAULT_INJECTION_VAR = 'RAFT_FAULT_INJECTION';

/** Whether this build allows fault injection and test-only reads. */
export function faultInjectionEnabled(env: Pick<Env, 'RAFT_FAULT_INJECTION'>): boolean {
  return env.RAFT_FAULT_INJECTION === 'on';
}

/** Refuses `what` unless RAFT_FAULT_INJECTION is "on": production builds never set it. */
export function requireFaultInjection(env: Pick<Env, 'RAFT_FAULT_INJECTION'>, what: string): void {
  if (faultInjectionEnabled(env)) return;
  throw new Error(
    `${what} is for tests only: it needs ${FAULT_INJECTION_VAR}="on", which only the test build sets`,
  );
}

function isPeerId(value: unknown): value is NodeId {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_PEER_ID;
}

/** Validates a spec from an RPC; throws naming the first fault in it. */
export function parseFaultSpec(value: unknown): {
  seed: number;
  drop: Map<NodeId, number>;
  cut: Set<NodeId>;
} {
  if (typeof value !== 'object' || value === null) throw new Error('fault spec must be an object');
  const spec = value as Record<string, unknown>;
  const seed = spec['seed'];
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new Error('fault spec seed must be an integer in [0, 2^32)');
  const drop = new Map<NodeId, number>();
  const dropSpec = spec['drop'] ?? {};
  if (typeof dropSpec !== 'object' || dropSpec === null || Array.isArray(dropSpec))
    throw new Error('fault spec drop must map peer ids to probabilities');
  for (const [key, p] of Object.entries(dropSpec)) {
    const peer = Number(key);
    if (!isPeerId(peer))
      throw new Error(`fault spec drop names ${JSON.stringify(key)}, not a peer`);
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new Error(`fault spec drop for peer ${peer} must be a probability in [0, 1]`);
    if (p > 0) drop.set(peer, p);
  }
  const cutSpec = spec['cut'] ?? [];
  if (!Array.isArray(cutSpec) || !cutSpec.every(isPeerId))
    throw new Error('fault spec cut must be a list of peer ids');
  return { seed, drop, cut: new Set(cutSpec) };
}

/**
 * One peer's transport faults, changeable at runtime: the host is built once at boot with these
 * hooks, and `set` swaps what they decide. No spec set: everything is delivered.
 */
export class PeerFaults implements TransportFaults {
  private drop = new Map<NodeId, number>();
  private cut = new Set<NodeId>();
  private rand = new SeededRand(0);

  /** Replaces the faults (null clears them); the seed restarts the drop decisions. */
  set(spec: FaultSpec | null): void {
    if (spec === null) {
      this.drop = new Map();
      this.cut = new Set();
      return;
    }
    const parsed = parseFaultSpec(spec);
    this.drop = parsed.drop;
    this.cut = parsed.cut;
    this.rand = new SeededRand(parsed.seed);
  }

  send(to: NodeId): 'deliver' | 'drop' {
    if (this.cut.has(to)) return 'drop';
    const p = this.drop.get(to);
    return p !== undefined && this.rand.chance(p) ? 'drop' : 'deliver';
  }

  receive(from: NodeId): 'deliver' | 'drop' {
    return this.cut.has(from) ? 'drop' : 'deliver';
  }
}
