import { DurableObject } from 'cloudflare:workers';
import { bootstrap, type NodeId } from '@proxima/core/raft';
import { listTenants, resolveRoute, type TenantView } from '@proxima/core/registry';
import { MAX_PEER_ID, type PeerBatch } from '@proxima/core/replica';
import { intVar, type Env } from '../../env.ts';
import { SqlRaftStorage } from '../storage/sql-storage.ts';
import {
  faultInjectionEnabled,
  PeerFaults,
  requireFaultInjection,
  type FaultSpec,
} from './faults.ts';
import { DEFAULT_TIMING, ReplicaHost, type Proposed, type RaftTiming, type Read } from './host.ts';
import { groupSize, peerStub } from './peers.ts';
import { registryMachine, type RegistryApplied, type RegistryState } from './registry-machine.ts';
import { PeerIdentity } from './identity.ts';

/** Randomness for election timeouts: Raft needs spread, not secrecy. */
const rand = { intn: (n: number) => Math.floor(Math.random() * n) };

/**
 * How `readRoute` reads: `linearizable` through ReadIndex; `local` (test builds only) from this
 * peer's applied state as it stands, the deliberately broken path the checker must catch.
 */
export type ReadMode = 'linearizable' | 'local';

/** A status a caller (the admin API, a test) can read without consensus. */
export interface PeerStatus {
  readonly self: NodeId;
  readonly leader: NodeId;
  readonly term: number;
  readonly commit: number;
  readonly applied: number;
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/**
 * One member of the Raft group that holds the registry (`raft-1` … `raft-N`, each placed with its
 * own location hint). It hosts `core/replica` over DO SQLite; peers talk by RPC; the one alarm
 * drives the ticks. Every handler touches storage first, so a stale instance of this id fails
 * instead of acting (a Durable Object is unique only once it has touched storage).
 */
export class RaftPeer extends DurableObject<Env> {
  private host: ReplicaHost<RegistryState, RegistryApplied> | undefined;
  private readonly identity: PeerIdentity;
  /** Test builds only (RAFT_FAULT_INJECTION "on"): kept in memory, so an eviction clears them. */
  private readonly faults = new PeerFaults();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.identity = new PeerIdentity(ctx.storage);
  }

  /** A batch of Raft messages from another peer; anything malformed is refused with a reason. */
  deliver(batch: PeerBatch): { ok: true } | { ok: false; reason: string } {
    const to = destinationOf(batch);
    if (to === null) return { ok: false, reason: 'a batch without a valid destination peer' };
    const host = this.boot(to);
    if (!host) return { ok: false, reason: `this peer is not peer ${to}` };
    return host.deliver(batch);
  }

  /** Proposes a registry command (encoded) and waits until this peer applied it. */
  async propose(
    self: NodeId,
    id: string,
    command: Uint8Array,
    timeoutMs: number,
  ): Promise<Proposed<RegistryApplied>> {
    const host = this.bootOrThrow(self);
    if (!(command instanceof Uint8Array)) throw new Error('propose: command must be bytes');
    return host.propose(id, command, clampTimeout(timeoutMs));
  }

  /** A linearizable read of the tenants (the registry's full query surface comes with the switch-over). */
  async readTenants(self: NodeId, timeoutMs: number): Promise<Read<TenantView[]>> {
    const host = this.bootOrThrow(self);
    return host.read((state) => listTenants(state), clampTimeout(timeoutMs));
  }

  /** The target alias routes to, null for none: the register the linearizability check reads. */
  async readRoute(
    self: NodeId,
    alias: string,
    timeoutMs: number,
    mode: ReadMode = 'linearizable',
  ): Promise<Read<string | null>> {
    if (mode !== 'linearizable') {
      if (mode !== 'local') throw new Error(`unknown read mode ${JSON.stringify(mode)}`);
      requireFaultInjection(this.env, "readRoute with mode 'local'");
    }
    const host = this.bootOrThrow(self);
    const query = (state: RegistryState): string | null => {
      const target = resolveRoute(state, alias);
      return target === alias ? null : target;
    };
    return mode === 'local' ? host.readLocal(query) : host.read(query, clampTimeout(timeoutMs));
  }

  /**
   * Test builds only: sets this peer's transport faults (null clears them). Refused unless
   * RAFT_FAULT_INJECTION is "on".
   */
  setFaults(self: NodeId, spec: FaultSpec | null): { ok: true } {
    requireFaultInjection(this.env, 'setFaults');
    this.bootOrThrow(self);
    this.faults.set(spec);
    return { ok: true };
  }

  status(self: NodeId): PeerStatus {
    const host = this.bootOrThrow(self);
    const s = host.replica.status();
    return {
      self,
      leader: host.replica.leader,
      term: s.hardState.term,
      commit: s.hardState.commit,
      applied: host.replica.applied,
      voters: host.replica.confState.voters,
      learners: host.replica.confState.learners,
    };
  }

  override alarm(): void {
    const self = this.identity.read();
    if (self === null) return; // never booted: nothing to tick
    this.boot(self)?.alarm();
  }

  private bootOrThrow(self: NodeId): ReplicaHost<RegistryState, RegistryApplied> {
    if (!isPeerNumber(self)) throw new Error(`invalid peer number ${JSON.stringify(self)}`);
    const host = this.boot(self);
    if (!host) throw new Error(`this Durable Object is not raft peer ${self}`);
    return host;
  }

  /** Binds this object to its peer id on first use and starts the replica; null on a mismatch. */
  private boot(self: NodeId): ReplicaHost<RegistryState, RegistryApplied> | null {
    const bound = this.identity.bind(self); // touches storage: a stale instance fails here
    if (bound !== self) return null;
    if (this.host) return this.host;
    const storage = new SqlRaftStorage(this.ctx.storage);
    if (storage.lastIndex() === 0 && storage.initialState().hardState.term === 0) {
      const voters = Array.from({ length: groupSize(this.env) }, (_, i) => i + 1);
      if (voters.includes(self)) bootstrap(storage, voters);
    }
    this.host = new ReplicaHost({
      self,
      storage,
      machine: registryMachine,
      rand,
      timing: timing(this.env),
      connect: (peer) => peerStub(this.env, peer),
      scheduleAlarm: (at) => void this.ctx.storage.setAlarm(at),
      track: (sending) => this.ctx.waitUntil(sending),
      now: () => Date.now(),
      ...(faultInjectionEnabled(this.env) ? { faults: this.faults } : {}),
    });
    return this.host;
  }
}

function isPeerNumber(value: unknown): value is NodeId {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_PEER_ID;
}

/** The peer a batch is addressed to, read defensively: the batch is validated in full later. */
function destinationOf(batch: unknown): NodeId | null {
  if (typeof batch !== 'object' || batch === null) return null;
  const messages: unknown = (batch as { messages?: unknown }).messages;
  if (!Array.isArray(messages)) return null;
  const first: unknown = messages[0];
  const to = typeof first === 'object' && first !== null ? (first as { to?: unknown }).to : null;
  return isPeerNumber(to) ? to : null;
}

/** A caller's wait, bounded: a bad value cannot park a request for ever. */
function clampTimeout(ms: unknown): number {
  return typeof ms === 'number' && Number.isFinite(ms) ? Math.min(Math.max(ms, 1), 60_000) : 3000;
}

function timing(env: Env): RaftTiming {
  return {
    tickMs: intVar(env.RAFT_TICK_MS, DEFAULT_TIMING.tickMs, 10, 60_000),
    electionTicks: intVar(env.RAFT_ELECTION_TICKS, DEFAULT_TIMING.electionTicks, 2, 1000),
    heartbeatTicks: DEFAULT_TIMING.heartbeatTicks,
    maxCatchUpTicks: DEFAULT_TIMING.maxCatchUpTicks,
  };
}
