import {
  parsePeerBatch,
  Replica,
  ticksDue,
  type ReplicaOutput,
  type ReplicaStorage,
  type StateMachine,
} from '@proxima/core/replica';
import type { NodeId, Rand } from '@proxima/core/raft';
import { PeerTransport, type PeerEndpoint, type TransportOptions } from './transport.ts';

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
  | { readonly ok: false; readonly reason: 'timeout'; readonly leader: NodeId };

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
  readonly faults?: TransportOptions['faults'];
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
  private readonly proposals = new Map<string, Waiter<Proposed<R>>>();
  private readonly reads = new Map<string, Waiter<number>>();
  private lastTickAt: number;
  private readCounter = 0;

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
    this.pump();
    options.scheduleAlarm(this.lastTickAt + options.timing.tickMs);
  }

  /** A batch from a peer; a malformed one is refused with a reason and changes nothing. */
  deliver(value: unknown): { ok: true } | { ok: false; reason: string } {
    const parsed = parsePeerBatch(value, this.options.self);
    if (!parsed.ok) return parsed;
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

  /** Proposes a command and waits until this peer applied it (or refuses at once, with a hint). */
  propose(id: string, command: Uint8Array, timeoutMs: number): Promise<Proposed<R>> {
    const existing = this.proposals.get(id);
    if (existing) clearTimeout(existing.timer);
    const outcome = this.replica.propose(id, command);
    if (!outcome.ok) return Promise.resolve(outcome);
    const waiting = new Promise<Proposed<R>>((resolve) => {
      const timer = setTimeout(() => {
        this.proposals.delete(id);
        resolve({ ok: false, reason: 'timeout', leader: this.replica.leader });
      }, timeoutMs);
      this.proposals.set(id, { resolve, timer });
    });
    this.pump();
    return waiting;
  }

  /** A linearizable read: waits for a ReadIndex point applied here, then runs `query`. */
  async read<T>(query: (state: S) => T, timeoutMs: number): Promise<Read<T>> {
    const id = `r${++this.readCounter}`;
    const applied = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        this.reads.delete(id);
        resolve(null);
      }, timeoutMs);
      this.reads.set(id, { resolve, timer });
      this.replica.read(id);
      this.pump();
    });
    if (applied === null) return { ok: false, reason: 'timeout', leader: this.replica.leader };
    return { ok: true, value: query(this.replica.state), applied };
  }

  private pump(): void {
    const out: ReplicaOutput<R> = this.replica.process();
    this.transport.send(out.messages);
    for (const a of out.applied) {
      const waiter = this.proposals.get(a.id);
      if (!waiter) continue;
      this.proposals.delete(a.id);
      clearTimeout(waiter.timer);
      waiter.resolve(
        'duplicate' in a ? { ok: true, duplicate: true } : { ok: true, result: a.result },
      );
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
