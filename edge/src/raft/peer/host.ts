import {
  parsePeerBatch,
  Replica,
  ticksDue,
  type ReplicaOutput,
  type ReplicaStorage,
  type StateMachine,
} from '@proxima/core/replica';
import type { NodeId, Rand } from '@proxima/core/raft';
import { Coalescer, type Coalesce } from './coalesce.ts';
import { PeerTransport, type PeerEndpoint, type TransportFaults } from './transport.ts';

export interface RaftTiming {
  /** Milliseconds per Raft tick (the alarm's period while the group is active). */
  readonly tickMs: number;
  /** Ticks without a leader before campaigning, randomized in [n, 2n). */
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** Ticks a late alarm may catch up at once. */
  readonly maxCatchUpTicks: number;
}

export const DEFAULT_TIMING: RaftTiming = {
  tickMs: 500,
  electionTicks: 10,
  heartbeatTicks: 1,
  maxCatchUpTicks: 2,
};

/** What a proposal or a read came to. */
export type Proposed<R> =
  | { readonly ok: true; readonly result: R }
  | { readonly ok: true; readonly duplicate: true }
  | {
      readonly ok: false;
      readonly reason: 'no_leader' | 'dropped' | 'timeout';
      /** The leader this peer knows of, 0 for none: the caller's retry hint. */
      readonly leader: NodeId;
    };

export type Read<T> =
  | { readonly ok: true; readonly value: T; readonly applied: number }
  | {
      readonly ok: false;
      /** `no_leader`: refused at once, this peer knows no leader; `timeout`: no read point in time. */
      readonly reason: 'no_leader' | 'timeout';
      /** The leader this peer knows of, 0 for none: the caller's retry hint. */
      readonly leader: NodeId;
    };

export interface HostOptions<S, R> {
  readonly self: NodeId;
  readonly storage: ReplicaStorage;
  readonly machine: StateMachine<S, R>;
  readonly rand: Rand;
  readonly timing: RaftTiming;
  readonly connect: (peer: NodeId) => PeerEndpoint;
  readonly scheduleAlarm: (at: number) => void;
  readonly track: (sending: Promise<void>) => void;
  readonly now: () => number;
  /** Test builds only: transport faults, consulted for every batch sent and received. */
  readonly faults?: TransportFaults;
  /**
   * When proposals and reads reach Raft (./coalesce.ts; default 0: a lone call at once, calls made
   * while others wait here in one shared Ready a turn of the event loop later). Peer batches and
   * ticks are processed at once: they carry Raft's own progress.
   */
  readonly coalesce?: Coalesce;
}

interface Waiter<T> {
  readonly resolve: (value: T) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * The Durable Object side of a replica: alarms become ticks, RPC batches become steps, Ready
 * output becomes RPC sends, and callers' proposals and reads wait here until this peer has
 * applied them. Policy stays in `core/replica` and `core/raft`; this only moves bytes and time.
 */
export class ReplicaHost<S, R> {
  readonly replica: Replica<S, R>;
  private readonly options: HostOptions<S, R>;
  private readonly transport: PeerTransport;
  /** Callers waiting on each proposal id: a retry of an id still waited on joins its waiters. */
  private readonly proposals = new Map<string, Set<Waiter<Proposed<R>>>>();
  private readonly reads = new Map<string, Waiter<number>>();
  private lastTickAt: number;
  /**
   * Read ids must be unique across the group and across restarts of this peer: the leader keys
   * pending ReadIndex requests by id alone, and a response to an earlier incarnation's request
   * must not answer a later one with an older read point.
   */
  private readonly readPrefix: string;
  private readCounter = 0;
  /** Proposals and reads wait here for one shared Ready: one SQLite transaction, one send per peer. */
  private readonly batch: Coalescer;

  constructor(options: HostOptions<S, R>) {
    this.options = options;
    this.replica = new Replica({
      id: options.self,
      storage: options.storage,
      machine: options.machine,
      rand: options.rand,
      raft: {
        electionTick: options.timing.electionTicks,
        heartbeatTick: options.timing.heartbeatTicks,
        checkQuorum: true,
        preVote: true,
      },
    });
    this.transport = new PeerTransport({
      self: options.self,
      connect: options.connect,
      unreachable: (peer) => this.replica.reportUnreachable(peer),
      track: options.track,
      ...(options.faults ? { faults: options.faults } : {}),
    });
    this.lastTickAt = options.now();
    const incarnation = `${this.lastTickAt.toString(36)}.${options.rand.intn(0x7fffffff).toString(36)}`;
    this.readPrefix = `r${options.self}.${incarnation}.`;
    this.batch = new Coalescer(
      () => this.pump(),
      options.coalesce ?? 0,
      (err) => {
        console.error(
          JSON.stringify({ event: 'raft.pump_failed', peer: options.self, error: String(err) }),
        );
      },
    );
    this.pump();
    options.scheduleAlarm(this.lastTickAt + options.timing.tickMs);
  }

  /** A batch from a peer; a malformed one is refused with a reason and changes nothing. */
  deliver(value: unknown): { ok: true } | { ok: false; reason: string } {
    const parsed = parsePeerBatch(value, this.options.self);
    if (!parsed.ok) return parsed;
    if (!this.transport.admits(parsed.batch))
      return { ok: false, reason: `peer ${parsed.batch.from} is cut off by fault injection` };
    for (const m of parsed.batch.messages) this.replica.step(m);
    this.pump();
    return { ok: true };
  }

  /** The alarm: owed ticks (late and duplicate alarms are harmless), then the next alarm. */
  alarm(): void {
    const due = ticksDue(
      this.lastTickAt,
      this.options.now(),
      this.options.timing.tickMs,
      this.options.timing.maxCatchUpTicks,
    );
    for (let i = 0; i < due.ticks; i++) this.replica.tick();
    this.lastTickAt = due.lastTickAt;
    this.pump();
    this.options.scheduleAlarm(due.nextAt);
  }

  /**
   * Proposes a command and waits until this peer applied it (or refuses at once, with a hint).
   * Concurrent proposals share a Ready; a follower's go to the leader in one batch.
   */
  propose(id: string, command: Uint8Array, timeoutMs: number): Promise<Proposed<R>> {
    const alone = this.idle();
    const outcome = this.replica.propose(id, command);
    if (!outcome.ok) return Promise.resolve(outcome);
    const waiting = new Promise<Proposed<R>>((resolve) => {
      let waiters = this.proposals.get(id);
      if (!waiters) {
        waiters = new Set();
        this.proposals.set(id, waiters);
      }
      const waiter: Waiter<Proposed<R>> = {
        resolve,
        timer: setTimeout(() => {
          waiters.delete(waiter);
          if (waiters.size === 0 && this.proposals.get(id) === waiters) this.proposals.delete(id);
          resolve({ ok: false, reason: 'timeout', leader: this.replica.leader });
        }, timeoutMs),
      };
      waiters.add(waiter);
    });
    this.batch.request(alone);
    return waiting;
  }

  /**
   * A linearizable read: waits for a ReadIndex point applied here, then runs `query`. Refused at
   * once when this peer knows no leader.
   */
  async read<T>(query: (state: S) => T, timeoutMs: number): Promise<Read<T>> {
    // Raft would drop the request unanswered: say so now rather than after the whole timeout.
    if (this.replica.leader === 0) return { ok: false, reason: 'no_leader', leader: 0 };
    const alone = this.idle();
    const id = `${this.readPrefix}${++this.readCounter}`;
    const applied = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        this.reads.delete(id);
        resolve(null);
      }, timeoutMs);
      this.reads.set(id, { resolve, timer });
      this.replica.read(id);
      this.batch.request(alone);
    });
    if (applied === null) return { ok: false, reason: 'timeout', leader: this.replica.leader };
    return { ok: true, value: query(this.replica.state), applied };
  }

  /**
   * Starts an election now instead of after a silent election timeout: a peer that boots with no
   * leader in sight (a cold group, a restarted fleet) need not wait seconds. Pre-vote makes it
   * harmless when a leader is alive: the others refuse while they hear from it.
   */
  campaignNow(): void {
    if (this.replica.leader !== 0) return;
    this.replica.campaign();
    this.pump();
  }

  /**
   * Test builds only (the caller checks): `query` on this peer's applied state with no ReadIndex,
   * so a deposed leader or a cut-off follower answers stale values. The broken read path that the
   * linearizability check must catch.
   */
  readLocal<T>(query: (state: S) => T): Read<T> {
    return { ok: true, value: query(this.replica.state), applied: this.replica.applied };
  }

  /**
   * Membership (./membership.ts) acts on `replica` directly (a conf change, a leadership
   * transfer) and then sends the result at once: these are rare, so they skip any batching.
   */
  flush(): void {
    this.pump();
  }

  /** No caller waits here: a new call has nothing to share a Ready with, so it goes at once. */
  private idle(): boolean {
    return this.proposals.size === 0 && this.reads.size === 0;
  }

  private pump(): void {
    const out: ReplicaOutput<R> = this.replica.process();
    this.transport.send(out.messages);
    for (const a of out.applied) {
      const waiters = this.proposals.get(a.id);
      if (!waiters) continue;
      this.proposals.delete(a.id);
      const outcome: Proposed<R> =
        'duplicate' in a ? { ok: true, duplicate: true } : { ok: true, result: a.result };
      for (const waiter of waiters) {
        clearTimeout(waiter.timer);
        waiter.resolve(outcome);
      }
    }
    for (const id of out.reads) {
      const waiter = this.reads.get(id);
      if (!waiter) continue;
      this.reads.delete(id);
      clearTimeout(waiter.timer);
      waiter.resolve(this.replica.applied);
    }
  }
}
