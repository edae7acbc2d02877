// RawNode: the driver-facing API. Everything is synchronous; the driver decides when to persist,
// send and apply by pulling Ready batches.
import type { ConfChange } from './confchange.ts';
import { encodeConfChange } from './confchange.ts';
import type { Config } from './config.ts';
import { Raft } from './raft.ts';
import type { Ready } from './ready.ts';
import type { ConfState, Entry, HardState, Message, NodeId, SoftState } from './types.ts';
import { MessageType, NONE, StateType, hardStateEqual, msg } from './types.ts';
import { RaftError, RaftErrorCode } from './errors.ts';

export interface Status {
  readonly id: NodeId;
  readonly hardState: HardState;
  readonly softState: SoftState;
  readonly applied: number;
  readonly lastIndex: number;
  readonly confState: ConfState;
  readonly leadTransferee: NodeId;
  /** Leader only: each peer's match index and replication state. */
  readonly progress: ReadonlyMap<
    NodeId,
    { readonly match: number; readonly next: number; readonly state: string }
  >;
}

const LOCAL_TYPES = new Set<string>([MessageType.Hup, MessageType.Beat, MessageType.CheckQuorum]);

export class RawNode {
  readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private pending: Ready | null = null;

  constructor(config: Config) {
    this.raft = new Raft(config);
    this.prevSoft = this.raft.softState();
    this.prevHard = this.raft.hardState();
  }

  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (pre-vote first when enabled). */
  campaign(): void {
    this.raft.step(msg({ type: MessageType.Hup }));
  }

  /** Proposes one entry. Throws RaftError(proposal-dropped) when it cannot be accepted here. */
  propose(data: Uint8Array): void {
    this.proposeBatch([data]);
  }

  /** Proposes several entries in one message: they are appended and replicated together. */
  proposeBatch(datas: readonly Uint8Array[]): void {
    if (datas.length === 0) return;
    const entries: Entry[] = datas.map((data) => ({ term: 0, index: 0, type: 'normal', data }));
    this.raft.step(msg({ type: MessageType.Prop, from: this.raft.id, entries }));
  }

  proposeConfChange(cc: ConfChange): void {
    const entries: Entry[] = [{ term: 0, index: 0, type: 'conf', data: encodeConfChange(cc) }];
    this.raft.step(msg({ type: MessageType.Prop, from: this.raft.id, entries }));
  }

  /** Requests a linearizable read point; the answer arrives as a ReadState carrying ctx. */
  readIndex(ctx: Uint8Array): void {
    this.raft.step(msg({ type: MessageType.ReadIndex, context: ctx }));
  }

  transferLeadership(to: NodeId): void {
    this.raft.step(msg({ type: MessageType.TransferLeader, from: to }));
  }

  /**
   * The transport failed to reach `id`. A leader stops pipelining to it and probes instead, so it
   * does not keep filling a window nobody reads.
   */
  reportUnreachable(id: NodeId): void {
    const pr = this.raft.state === StateType.Leader ? this.raft.trk.progress.get(id) : undefined;
    if (pr && pr.state === 'replicate') pr.becomeProbe();
  }

  /**
   * The transport finished (or failed) sending a snapshot to `id`. Without this call the leader
   * retries after two election timeouts on its own.
   */
  reportSnapshot(id: NodeId, ok: boolean): void {
    const pr = this.raft.state === StateType.Leader ? this.raft.trk.progress.get(id) : undefined;
    if (!pr || pr.state !== 'snapshot') return;
    if (!ok) pr.pendingSnapshot = 0;
    // Wait for the follower's reply (or the next heartbeat) before sending more.
    pr.becomeProbe();
    pr.msgAppFlowPaused = true;
  }

  /** Steps a message received from the network. */
  step(m: Message): void {
    if (LOCAL_TYPES.has(m.type))
      throw new RaftError(RaftErrorCode.StepLocalMsg, `cannot step local ${m.type}`);
    if (
      m.type.endsWith('Resp') &&
      m.type !== MessageType.ReadIndexResp &&
      !this.raft.trk.progress.has(m.from)
    ) {
      throw new RaftError(RaftErrorCode.StepPeerNotFound, `response from unknown peer ${m.from}`);
    }
    this.raft.step(m);
  }

  hasReady(): boolean {
    const r = this.raft;
    if (r.appendsPending) return true;
    const ss = r.softState();
    if (ss.lead !== this.prevSoft.lead || ss.state !== this.prevSoft.state) return true;
    if (!hardStateEqual(r.hardState(), this.prevHard)) return true;
    if (r.raftLog.unstable.snapshot) return true;
    return (
      r.msgs.length > 0 ||
      r.raftLog.unstable.entries.length > 0 ||
      r.raftLog.hasNextCommittedEnts() ||
      r.readStates.length > 0
    );
  }

  /** The next batch of work. Call advance() after handling it and before the next ready(). */
  ready(): Ready {
    if (this.pending) throw new Error('ready() called twice without advance()');
    const r = this.raft;
    r.flushAppends();
    const ss = r.softState();
    const hs = r.hardState();
    const softChanged = ss.lead !== this.prevSoft.lead || ss.state !== this.prevSoft.state;
    const hardChanged = !hardStateEqual(hs, this.prevHard);
    const entries = [...r.raftLog.unstable.entries];
    const rd: Ready = {
      softState: softChanged ? ss : null,
      hardState: hardChanged ? hs : null,
      readStates: r.readStates,
      entries,
      snapshot: r.raftLog.unstable.snapshot,
      committedEntries: r.raftLog.nextCommittedEnts(r.cfg.maxCommittedSizePerReady),
      messages: r.msgs,
      mustSync:
        entries.length > 0 || hs.term !== this.prevHard.term || hs.vote !== this.prevHard.vote,
    };
    r.msgs = [];
    r.readStates = [];
    this.pending = rd;
    return rd;
  }

  advance(): void {
    const rd = this.pending;
    if (!rd) throw new Error('advance() without ready()');
    this.pending = null;
    const r = this.raft;
    if (rd.softState) this.prevSoft = rd.softState;
    if (rd.hardState) this.prevHard = rd.hardState;
    const lastEnt = rd.entries[rd.entries.length - 1];
    if (lastEnt) r.raftLog.stableTo(lastEnt.index, lastEnt.term);
    if (rd.snapshot) {
      r.raftLog.stableSnapTo(rd.snapshot.meta.index);
      r.raftLog.applied = Math.max(r.raftLog.applied, rd.snapshot.meta.index);
    }
    const lastApplied = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastApplied) {
      r.raftLog.appliedTo(lastApplied.index);
      r.reduceUncommittedSize(rd.committedEntries);
    }
  }

  status(): Status {
    const r = this.raft;
    const progress = new Map<NodeId, { match: number; next: number; state: string }>();
    if (r.lead === r.id && r.lead !== NONE) {
      for (const [id, pr] of r.trk.progress)
        progress.set(id, { match: pr.match, next: pr.next, state: pr.state });
    }
    return {
      id: r.id,
      hardState: r.hardState(),
      softState: r.softState(),
      applied: r.raftLog.applied,
      lastIndex: r.raftLog.lastIndex(),
      confState: r.membership.current(),
      leadTransferee: r.leadTransferee,
      progress,
    };
  }
}
