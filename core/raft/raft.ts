// The Raft state machine: terms, roles and the rules that apply to every message. Role-specific
// handling lives in step-leader.ts and step-follower.ts; membership in membership.ts.
import type { Config, ResolvedConfig } from './config.ts';
import { validateConfig } from './config.ts';
import { RaftError, RaftErrorCode } from './errors.ts';
import { RaftLog } from './log.ts';
import { Membership } from './membership.ts';
import { ReadOnly } from './readonly.ts';
import { stepCandidate, stepFollower } from './step-follower.ts';
import { bcastAppend, stepLeader } from './step-leader.ts';
import { ProgressTracker } from './tracker/tracker.ts';
import type { VoteResult } from './quorum/majority.ts';
import type { Entry, HardState, Message, NodeId, ReadState, SoftState } from './types.ts';
import { MessageType, NONE, StateType, entriesSize, msg } from './types.ts';

/** Context of a vote started by leadership transfer: it may bypass leases. */
export const CAMPAIGN_TRANSFER = new Uint8Array([0x74]);

export type CampaignType = 'pre-election' | 'election' | 'transfer';

export class Raft {
  readonly id: NodeId;
  readonly cfg: ResolvedConfig;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  state: StateType = StateType.Follower;
  isLearner = false;
  readonly raftLog: RaftLog;
  readonly trk: ProgressTracker;
  readonly membership: Membership;
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  readOnly = new ReadOnly();
  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  pendingReadIndexMessages: Message[] = [];
  leadTransferee: NodeId = NONE;
  uncommittedSize = 0;
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** Proposals appended since the last Ready; broadcast once there (message batching). */
  appendsPending = false;
  /** Chunks of an incoming snapshot, keyed by offset. */
  snapRecv: { key: string; total: number; bytes: number; chunks: Map<number, Uint8Array> } | null =
    null;

  constructor(config: Config) {
    this.cfg = validateConfig(config);
    this.id = this.cfg.id;
    const st = this.cfg.storage.initialState();
    this.raftLog = new RaftLog(this.cfg.storage, this.cfg.applied);
    this.trk = new ProgressTracker(this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes);
    this.membership = new Membership(this);
    this.membership.reload(st.confState, this.raftLog.firstIndex());
    const hs = st.hardState;
    if (hs.commit !== 0 || hs.term !== 0) {
      if (hs.commit < this.raftLog.committed || hs.commit > this.raftLog.lastIndex()) {
        throw new RaftError(
          RaftErrorCode.InvalidConfig,
          `hard state commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`,
        );
      }
      this.raftLog.committed = hs.commit;
      this.term = hs.term;
      this.vote = hs.vote;
    }
    this.becomeFollower(this.term, NONE);
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  softState(): SoftState {
    return { lead: this.lead, state: this.state };
  }

  /** Queues m to be sent after the current Ready is persisted. */
  send(m: Message): void {
    let term = m.term;
    if (
      m.type === MessageType.Vote ||
      m.type === MessageType.VoteResp ||
      m.type === MessageType.PreVote ||
      m.type === MessageType.PreVoteResp
    ) {
      if (term === 0) throw new Error(`term should be set when sending ${m.type}`);
    } else if (m.type !== MessageType.Prop && m.type !== MessageType.ReadIndex) {
      // Proposals and read requests are forwarded as local messages and carry no term.
      term = this.term;
    }
    // A forwarded transfer request names the transferee in `from`.
    const from = m.type === MessageType.TransferLeader && m.from !== NONE ? m.from : this.id;
    this.msgs.push({ ...m, from, term });
  }

  promotable(): boolean {
    return this.trk.isVoter(this.id);
  }

  pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout =
      this.cfg.electionTick + this.cfg.rand.intn(this.cfg.electionTick);
  }

  reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.leadTransferee = NONE;
    this.trk.resetVotes();
    const last = this.raftLog.lastIndex();
    for (const [id, pr] of this.trk.progress) {
      pr.becomeProbe();
      pr.match = id === this.id ? last : 0;
      pr.next = last + 1;
      pr.recentActive = id === this.id;
    }
    this.uncommittedSize = 0;
    this.readOnly = new ReadOnly();
    this.pendingReadIndexMessages = [];
    this.appendsPending = false;
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.state = StateType.Follower;
  }

  becomeCandidate(): void {
    if (this.state === StateType.Leader)
      throw new Error('invalid transition [leader -> candidate]');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = StateType.Candidate;
  }

  becomePreCandidate(): void {
    if (this.state === StateType.Leader)
      throw new Error('invalid transition [leader -> pre-candidate]');
    // Pre-vote changes neither term nor vote, so a partitioned node cannot inflate the term.
    this.trk.resetVotes();
    this.lead = NONE;
    this.state = StateType.PreCandidate;
  }

  becomeLeader(): void {
    if (this.state === StateType.Follower)
      throw new Error('invalid transition [follower -> leader]');
    this.reset(this.term);
    this.lead = this.id;
    this.state = StateType.Leader;
    const self = this.trk.progress.get(this.id);
    self?.becomeReplicate();
    // Committing an empty entry of the new term commits everything before it (Figure 8 rule).
    this.appendEntries([{ term: 0, index: 0, type: 'normal', data: new Uint8Array(0) }]);
    this.appendsPending = true;
  }

  /** Appends entries at the leader, stamping term and index. Returns false when over budget. */
  appendEntries(es: readonly Entry[]): boolean {
    const li = this.raftLog.lastIndex();
    const stamped = es.map((e, i) => ({ ...e, term: this.term, index: li + 1 + i }));
    const size = entriesSize(stamped);
    const max = this.cfg.maxUncommittedEntriesSize;
    if (max > 0 && this.uncommittedSize > 0 && this.uncommittedSize + size > max) return false;
    this.uncommittedSize += size;
    const last = this.raftLog.append(stamped);
    this.membership.onAppend(stamped);
    this.trk.progress.get(this.id)?.maybeUpdate(last);
    this.maybeCommit();
    return true;
  }

  /** Leader: advance the commit index to what a majority holds (only entries of this term). */
  maybeCommit(): boolean {
    return this.raftLog.maybeCommit(
      this.trk.committed(),
      this.term,
      this.cfg.commitPreviousTermByCount,
    );
  }

  committedEntryInCurrentTerm(): boolean {
    return this.raftLog.zeroTermOnOutOfBounds(this.raftLog.committed) === this.term;
  }

  tick(): void {
    if (this.state === StateType.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.pastElectionTimeout()) {
      this.electionElapsed = 0;
      this.step(msg({ type: MessageType.Hup, from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) this.step(msg({ type: MessageType.CheckQuorum, from: this.id }));
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.state === StateType.Leader && this.leadTransferee !== NONE)
        this.leadTransferee = NONE;
    }
    if (this.state !== StateType.Leader) return;
    for (const [id, pr] of this.trk.progress) {
      if (id === this.id || pr.state !== 'snapshot') continue;
      // Snapshot chunks may be lost; after a while, probe again, which re-sends the snapshot.
      if (++pr.snapshotTicks > 2 * this.cfg.electionTick) pr.becomeProbe();
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.step(msg({ type: MessageType.Beat, from: this.id }));
    }
  }

  hup(t: CampaignType): void {
    if (this.state === StateType.Leader || !this.promotable()) return;
    this.campaign(t);
  }

  campaign(t: CampaignType): void {
    let term: number;
    let voteType: MessageType;
    if (t === 'pre-election') {
      this.becomePreCandidate();
      voteType = MessageType.PreVote;
      term = this.term + 1; // the term we would use, without bumping ours yet
    } else {
      this.becomeCandidate();
      voteType = MessageType.Vote;
      term = this.term;
    }
    if (this.poll(this.id, true) === 'won') {
      // Single voter: no one to ask.
      if (t === 'pre-election') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    const ctx = t === 'transfer' ? CAMPAIGN_TRANSFER : new Uint8Array(0);
    for (const id of [...this.trk.voters].sort((a, b) => a - b)) {
      if (id === this.id) continue;
      this.send(
        msg({
          type: voteType,
          to: id,
          term,
          index: this.raftLog.lastIndex(),
          logTerm: this.raftLog.lastTerm(),
          context: ctx,
        }),
      );
    }
  }

  poll(id: NodeId, granted: boolean): VoteResult {
    this.trk.recordVote(id, granted);
    return this.trk.tallyVotes().result;
  }

  /** Entry point for every message, local or remote. Throws ProposalDropped for dropped proposals. */
  step(m: Message): void {
    if (m.term === 0) {
      // local message
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const force = m.context.length === 1 && m.context[0] === CAMPAIGN_TRANSFER[0];
        const inLease =
          this.cfg.checkQuorum &&
          this.lead !== NONE &&
          this.electionElapsed < this.cfg.electionTick;
        // We heard from a leader within the minimum election timeout: ignore disruptive candidates.
        if (!force && inLease) return;
      }
      if (m.type === MessageType.PreVote) {
        // Never change term in response to a pre-vote.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // We will bump the term when we become a candidate.
      } else if (
        m.type === MessageType.App ||
        m.type === MessageType.Heartbeat ||
        m.type === MessageType.Snap
      ) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if (
        (this.cfg.checkQuorum || this.cfg.preVote) &&
        (m.type === MessageType.Heartbeat || m.type === MessageType.App)
      ) {
        // A stale leader (e.g. rejoining after a partition) learns the new term and steps down.
        this.send(msg({ type: MessageType.AppResp, to: m.from }));
      } else if (m.type === MessageType.PreVote) {
        this.send(
          msg({ type: MessageType.PreVoteResp, to: m.from, term: this.term, reject: true }),
        );
      }
      return;
    }

    switch (m.type) {
      case MessageType.Hup:
        this.hup(this.cfg.preVote ? 'pre-election' : 'election');
        return;
      case MessageType.Vote:
      case MessageType.PreVote: {
        const canVote =
          this.vote === m.from ||
          (this.vote === NONE && this.lead === NONE) ||
          (m.type === MessageType.PreVote && m.term > this.term);
        const respType =
          m.type === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp;
        if (canVote && this.raftLog.isUpToDate(m.index, m.logTerm)) {
          this.send(msg({ type: respType, to: m.from, term: m.term }));
          if (m.type === MessageType.Vote) {
            this.electionElapsed = 0;
            this.vote = m.from;
          }
        } else {
          this.send(msg({ type: respType, to: m.from, term: this.term, reject: true }));
        }
        return;
      }
      default:
        break;
    }
    switch (this.state) {
      case StateType.Leader:
        stepLeader(this, m);
        return;
      case StateType.Candidate:
      case StateType.PreCandidate:
        stepCandidate(this, m);
        return;
      case StateType.Follower:
        stepFollower(this, m);
        return;
    }
  }

  /** Called before a Ready is built: broadcast proposals batched since the last one. */
  flushAppends(): void {
    if (this.appendsPending && this.state === StateType.Leader) bcastAppend(this);
    this.appendsPending = false;
  }

  reduceUncommittedSize(ents: readonly Entry[]): void {
    if (this.uncommittedSize === 0) return;
    this.uncommittedSize = Math.max(0, this.uncommittedSize - entriesSize(ents));
  }
}
