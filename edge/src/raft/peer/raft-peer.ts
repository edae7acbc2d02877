import { DurableObject } from 'cloudflare:workers';
import { bootstrap, type NodeId } from '@proxima/core/raft';
import {
  COMMAND_VERSION,
  decodeCommand,
  parseQuery,
  resolveRoute,
  runQuery,
  versionGate,
  type RegistryQuery,
} from '@proxima/core/registry';
import { MAX_PEER_ID, type PeerBatch } from '@proxima/core/replica';
import { intVar, type Env } from '../../env.ts';
import { SqlRaftStorage } from '../storage/sql-storage.ts';
import {
  faultInjectionEnabled,
  PeerFaults,
  requireFaultInjection,
  type FaultSpec,
} from './faults.ts';
import { parseCoalesce } from './coalesce.ts';
import { DEFAULT_TIMING, ReplicaHost, type Proposed, type RaftTiming, type Read } from './host.ts';
import { groupSize, peerStub } from './peers.ts';
import { registryMachine, type RegistryApplied, type RegistryState } from './registry-machine.ts';
import { PeerIdentity } from './identity.ts';
import {
  MembershipDesk,
  type MembershipOutcome,
  type MembershipRefusal,
  type RemovalOutcome,
} from './membership.ts';
import { locationHint, peerName } from './peers.ts';
import { Retirement } from './retirement.ts';

/** Randomness for election timeouts: Raft needs spread, not secrecy. */
const rand = { intn: (n: number) => Math.floor(Math.random() * n) };

/**
 * How `readRoute` reads: `linearizable` through ReadIndex; `local` (test builds only) from this
 * peer's applied state as it stands, the deliberately broken path the checker must catch.
 */
export type ReadMode = 'linearizable' | 'local';

/** Any query's answer, loosely typed for RPC; the client narrows it to the query's own type. */
export type QueryAnswer = object | string | number | boolean | null;

/** A status a caller (the admin API, a test) can read without consensus. */
export interface PeerStatus {
  readonly self: NodeId;
  readonly leader: NodeId;
  readonly term: number;
  readonly commit: number;
  readonly applied: number;
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /** The newest command version this peer's build applies. */
  readonly commandVersion: number;
  /** The command version the group is gated at, as this peer has applied it. */
  readonly clusterVersion: number;
}

/** A proposal refused before it reached Raft: bytes that are no command, or a gated version. */
export interface ProposalRefused {
  readonly ok: false;
  readonly reason: 'invalid' | 'gated';
  readonly message: string;
  readonly leader: NodeId;
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
    // Booted by a peer's message: that peer is campaigning or leading, so do not compete with it.
    const host = this.boot(to, false);
    if (!host) return { ok: false, reason: `this peer is not peer ${to}` };
    return host.deliver(batch);
  }

  /** Proposes a registry command (encoded) and waits until this peer applied it. */
  async propose(
    self: NodeId,
    id: string,
    command: Uint8Array,
    timeoutMs: number,
  ): Promise<Proposed<RegistryApplied> | ProposalRefused> {
    if (this.retirement().read() !== null) return { ok: false, reason: 'no_leader', leader: 0 };
    const host = this.bootOrThrow(self);
    if (!(command instanceof Uint8Array)) throw new Error('propose: command must be bytes');
    const refuse = (reason: ProposalRefused['reason'], message: string): ProposalRefused => ({
      ok: false,
      reason,
      message,
      leader: host.replica.leader,
    });
    let v: number;
    try {
      v = decodeCommand(command).v;
    } catch (err) {
      return refuse('invalid', err instanceof Error ? err.message : 'not a registry command');
    }
    // This peer's applied version can only lag the leader's: the gate errs on the strict side.
    const gated = versionGate(host.replica.state, v);
    if (gated !== null) return refuse('gated', gated);
    return host.propose(id, command, clampTimeout(timeoutMs));
  }

  /**
   * A linearizable read of the registry: the query is validated here (a bad one is refused as a
   * value, the peer keeps serving) and answered on this peer's state once a ReadIndex point is
   * applied, so a follower serves reads too.
   */
  async query(
    self: NodeId,
    query: unknown,
    timeoutMs: number,
    // The answer's type is the query's (AnswerOf); RPC typing of that deep union is too costly.
  ): Promise<Read<QueryAnswer> | { ok: false; reason: 'invalid'; message: string }> {
    // A removed peer answers like one that knows no leader: the client moves on to a member.
    if (this.retirement().read() !== null) return { ok: false, reason: 'no_leader', leader: 0 };
    const host = this.bootOrThrow(self);
    let parsed: RegistryQuery;
    try {
      parsed = parseQuery(query);
    } catch (err) {
      return {
        ok: false,
        reason: 'invalid',
        message: err instanceof Error ? err.message : 'invalid',
      };
    }
    return host.read((state) => runQuery(state, parsed), clampTimeout(timeoutMs));
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
      commandVersion: COMMAND_VERSION,
      clusterVersion: host.replica.state.clusterVersion,
    };
  }

  // Membership (docs/design/0012, "Membership"): changes are made at the leader, one at a time,
  // and a removed peer is told to retire. Refusals come back as values, never as a thrown RPC.

  private readonly membership = new MembershipDesk({
    joinable: (id, hint) => {
      // A hint places an object only when it is created: this call is the new peer's first.
      const placed = hint ?? locationHint(this.env, id);
      const name = this.env.RAFT_PEER.idFromName(peerName(id));
      return this.env.RAFT_PEER.get(name, placed ? { locationHint: placed } : {}).joinable(id);
    },
    retire: async (id) => (await peerStub(this.env, id).retire(id)).ok,
  });
  private retirementRecord: Retirement | undefined;

  /** Adds peer `id` as a voter: a learner first, promoted once it has caught up. Leader only. */
  async addPeer(
    self: NodeId,
    id: NodeId,
    hint: string | null,
    timeoutMs: number,
  ): Promise<MembershipOutcome> {
    const host = this.memberHost(self);
    if ('ok' in host) return host;
    return this.membership.add(host, id, hint, clampTimeout(timeoutMs));
  }

  /** Removes peer `id` (a voter or a learner) and tells it to retire. Leader only. */
  async removePeer(self: NodeId, id: NodeId, timeoutMs: number): Promise<RemovalOutcome> {
    const host = this.memberHost(self);
    if ('ok' in host) return host;
    return this.membership.remove(host, id, clampTimeout(timeoutMs));
  }

  /** Hands leadership to voter `to` and waits until this peer sees it lead. Leader only. */
  async transferLeadership(
    self: NodeId,
    to: NodeId,
    timeoutMs: number,
  ): Promise<MembershipOutcome> {
    const host = this.memberHost(self);
    if ('ok' in host) return host;
    return this.membership.transfer(host, to, clampTimeout(timeoutMs));
  }

  /**
   * Asked by a leader before it adds `id`: whether this object was never a peer. Ids are never
   * reused, since an old peer's log and vote would come back with it. Binds nothing.
   */
  joinable(id: NodeId): { ok: true } | { ok: false; message: string } {
    if (!isPeerNumber(id))
      return { ok: false, message: `invalid peer number ${JSON.stringify(id)}` };
    const retired = this.retirement().read();
    if (retired !== null)
      return {
        ok: false,
        message: `Peer ${id} was removed from the group at ${new Date(retired.at).toISOString()}; a removed id is never reused: add the replacement under a new id.`,
      };
    if (this.identity.read() !== null)
      return {
        ok: false,
        message: `Peer ${id} holds Raft state from an earlier membership; ids are never reused: add the replacement under a new id.`,
      };
    return { ok: true };
  }

  /**
   * Told by the leader once this peer's removal applied: it records that, stops its alarm (it
   * never ticks again, so it never times out into an election) and drops its replica from
   * memory. Its storage stays.
   */
  async retire(self: NodeId): Promise<{ ok: true } | { ok: false; reason: string }> {
    if (!isPeerNumber(self))
      return { ok: false, reason: `invalid peer number ${JSON.stringify(self)}` };
    const bound = this.identity.read();
    if (bound !== null && bound !== self)
      return { ok: false, reason: `this Durable Object is raft peer ${bound}, not ${self}` };
    this.retirement().record(self, Date.now());
    await this.ctx.storage.deleteAlarm();
    this.host = undefined;
    return { ok: true };
  }

  /** This peer's replica for a membership call, or why there is none (as a refusal). */
  private memberHost(
    self: NodeId,
  ): ReplicaHost<RegistryState, RegistryApplied> | MembershipRefusal {
    const refuse = (message: string): MembershipRefusal => ({
      ok: false,
      reason: 'invalid',
      message,
      leader: 0,
    });
    if (!isPeerNumber(self)) return refuse(`Invalid peer number ${JSON.stringify(self)}.`);
    if (this.retirement().read() !== null)
      return { ...refuse(`Peer ${self} was removed from the group.`), reason: 'not_leader' };
    const host = this.boot(self);
    return host ?? refuse(`This Durable Object is not raft peer ${self}.`);
  }

  private retirement(): Retirement {
    this.retirementRecord ??= new Retirement(this.ctx.storage);
    return this.retirementRecord;
  }

  override alarm(): void {
    const self = this.identity.read();
    if (self === null) return; // never booted: nothing to tick
    if (this.retirement().read() !== null) return; // removed from the group: never ticks again
    this.boot(self)?.alarm();
  }

  private bootOrThrow(self: NodeId): ReplicaHost<RegistryState, RegistryApplied> {
    if (!isPeerNumber(self)) throw new Error(`invalid peer number ${JSON.stringify(self)}`);
    const host = this.boot(self);
    if (host) return host;
    if (this.retirement().read() !== null)
      throw new Error(`raft peer ${self} was removed from the group`);
    throw new Error(`this Durable Object is not raft peer ${self}`);
  }

  /** Binds this object to its peer id on first use and starts the replica; null on a mismatch. */
  private boot(self: NodeId, campaign = true): ReplicaHost<RegistryState, RegistryApplied> | null {
    const bound = this.identity.bind(self); // touches storage: a stale instance fails here
    if (bound !== self) return null;
    // A removed peer stays down: its stale configuration must not campaign or answer.
    if (this.retirement().read() !== null) return null;
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
      coalesce: parseCoalesce(this.env.RAFT_BATCH_MS),
    });
    // A cold start elects at once rather than after seconds of silence; learners never campaign.
    if (campaign && this.host.replica.confState.voters.includes(self)) this.host.campaignNow();
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
