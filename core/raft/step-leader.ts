// Leader behaviour: replication with flow control, commit, heartbeats, ReadIndex, transfer.
import { decodeConfChange, applyConfChange } from './confchange.ts';
import { RaftError, RaftErrorCode, isRaftError } from './errors.ts';
import type { Raft } from './raft.ts';
import type { Message, NodeId } from './types.ts';
import { MessageType, NONE, StateType, entriesSize, msg } from './types.ts';
import { voteResult } from './quorum/majority.ts';

const dropped = (why: string): RaftError => new RaftError(RaftErrorCode.ProposalDropped, why);

/** Sends what follower `to` needs next, if flow control allows. Returns whether it sent. */
export function maybeSendAppend(r: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.trk.progress.get(to);
  if (!pr || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  let prevTerm: number;
  let ents;
  try {
    prevTerm = r.raftLog.term(prevIndex);
    ents = r.raftLog.entriesFrom(pr.next, r.cfg.maxSizePerMsg);
  } catch (e) {
    if (!isRaftError(e, RaftErrorCode.Compacted)) throw e;
    return sendSnapshot(r, to);
  }
  if (ents.length === 0 && !sendIfEmpty) return false;
  r.send(
    msg({
      type: MessageType.App,
      to,
      index: prevIndex,
      logTerm: prevTerm,
      entries: ents,
      commit: r.raftLog.committed,
    }),
  );
  pr.sentEntries(ents.length, entriesSize(ents));
  return true;
}

function sendSnapshot(r: Raft, to: NodeId): boolean {
  const pr = r.trk.progress.get(to);
  if (!pr) return false;
  // An unresponsive peer is not worth a snapshot; wait until it is heard from.
  if (!pr.recentActive) return false;
  let snap;
  try {
    snap = r.raftLog.snapshot();
  } catch (e) {
    if (isRaftError(e, RaftErrorCode.SnapshotTemporarilyUnavailable)) return false;
    throw e;
  }
  if (snap.meta.index === 0) throw new Error('need a non-empty snapshot');
  const total = snap.data.length;
  const chunk = r.cfg.maxSnapshotChunkBytes;
  for (let off = 0; off === 0 || off < total; off += chunk) {
    r.send(
      msg({
        type: MessageType.Snap,
        to,
        snapshot: {
          meta: snap.meta,
          offset: off,
          total,
          data: snap.data.subarray(off, Math.min(total, off + chunk)),
        },
      }),
    );
  }
  pr.becomeSnapshot(snap.meta.index);
  return true;
}

export function bcastAppend(r: Raft): void {
  for (const id of r.trk.progress.keys()) {
    if (id !== r.id) maybeSendAppend(r, id, true);
  }
}

function bcastHeartbeat(r: Raft): void {
  const ctx = r.readOnly.lastPendingRequestCtx();
  for (const [id, pr] of r.trk.progress) {
    if (id === r.id) continue;
    // Never tell a follower to commit past what it is known to hold.
    const commit = Math.min(pr.match, r.raftLog.committed);
    r.send(msg({ type: MessageType.Heartbeat, to: id, commit, ...(ctx ? { context: ctx } : {}) }));
  }
}

function sendTimeoutNow(r: Raft, to: NodeId): void {
  r.send(msg({ type: MessageType.TimeoutNow, to }));
}

function respondToReadIndex(r: Raft, req: Message, index: number): void {
  if (req.from === NONE || req.from === r.id) {
    r.readStates.push({ index, context: req.context });
  } else {
    r.send(msg({ type: MessageType.ReadIndexResp, to: req.from, index, context: req.context }));
  }
}

function handleReadIndex(r: Raft, m: Message): void {
  if (r.trk.voters.size === 1 && r.trk.isVoter(r.id)) {
    respondToReadIndex(r, m, r.raftLog.committed);
    return;
  }
  // Until an entry of this term commits, the leader's commit index may be behind the cluster's.
  if (!r.committedEntryInCurrentTerm()) {
    r.pendingReadIndexMessages.push(m);
    return;
  }
  if (r.cfg.readOnlyOption === 'lease-based') {
    respondToReadIndex(r, m, r.raftLog.committed);
    return;
  }
  r.readOnly.addRequest(r.raftLog.committed, m);
  r.readOnly.recvAck(r.id, m.context);
  bcastHeartbeat(r);
}

function releasePendingReadIndexMessages(r: Raft): void {
  if (r.pendingReadIndexMessages.length === 0 || !r.committedEntryInCurrentTerm()) return;
  const pending = r.pendingReadIndexMessages;
  r.pendingReadIndexMessages = [];
  for (const m of pending) handleReadIndex(r, m);
}

function handlePropose(r: Raft, m: Message): void {
  if (m.entries.length === 0) throw new Error('stepped empty MsgProp');
  if (!r.trk.progress.has(r.id)) throw dropped('this leader was removed from the configuration');
  if (r.leadTransferee !== NONE)
    throw dropped(`leadership is being transferred to ${r.leadTransferee}`);
  for (const e of m.entries) {
    if (e.type !== 'conf') continue;
    // One change at a time, and only after this leader committed an entry of its own term
    // (the fix for the single-server change bug, dissertation §4.1).
    if (r.membership.lastChangeIndex() > r.raftLog.committed)
      throw dropped('a membership change is pending');
    if (!r.committedEntryInCurrentTerm())
      throw dropped('leader has not committed an entry of its term yet');
    const cc = decodeConfChange(e.data);
    if (cc.nodeId === r.id && cc.type !== 'addVoter') {
      throw dropped('the leader cannot remove or demote itself; transfer leadership first');
    }
    applyConfChange(r.membership.current(), cc); // throws on invalid changes
    if (m.entries.length > 1) throw dropped('a membership change must be proposed alone');
  }
  if (!r.appendEntries(m.entries)) throw dropped('too many uncommitted entries');
  r.appendsPending = true;
}

export function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.Beat:
      bcastHeartbeat(r);
      return;
    case MessageType.CheckQuorum:
      if (!r.trk.quorumActive(r.id)) {
        r.becomeFollower(r.term, NONE);
        return;
      }
      for (const [id, pr] of r.trk.progress) if (id !== r.id) pr.recentActive = false;
      return;
    case MessageType.Prop:
      handlePropose(r, m);
      return;
    case MessageType.ReadIndex:
      handleReadIndex(r, m);
      return;
    default:
      break;
  }
  const pr = r.trk.progress.get(m.from);
  if (!pr) return;
  switch (m.type) {
    case MessageType.AppResp: {
      pr.recentActive = true;
      if (m.reject) {
        const [hintIndex] = r.raftLog.findConflictByTerm(m.rejectHint, m.logTerm);
        if (pr.maybeDecrTo(m.index, hintIndex)) {
          if (pr.state === 'replicate') pr.becomeProbe();
          maybeSendAppend(r, m.from, true);
        }
        return;
      }
      const wasPaused = pr.isPaused();
      if (!pr.maybeUpdate(m.index)) {
        if (pr.state === 'replicate') pr.inflights.freeLE(m.index);
        if (wasPaused && !pr.isPaused()) while (maybeSendAppend(r, m.from, false));
        return;
      }
      if (pr.state === 'probe') pr.becomeReplicate();
      else if (pr.state === 'snapshot' && pr.match + 1 >= r.raftLog.firstIndex()) {
        pr.becomeProbe();
        pr.becomeReplicate();
      } else if (pr.state === 'replicate') pr.inflights.freeLE(m.index);
      if (r.maybeCommit()) {
        releasePendingReadIndexMessages(r);
        bcastAppend(r);
      } else if (wasPaused) {
        maybeSendAppend(r, m.from, false);
      }
      // Fill the window while flow control allows.
      while (maybeSendAppend(r, m.from, false));
      if (m.from === r.leadTransferee && pr.match === r.raftLog.lastIndex())
        sendTimeoutNow(r, m.from);
      return;
    }
    case MessageType.HeartbeatResp: {
      pr.recentActive = true;
      pr.msgAppFlowPaused = false;
      // The follower is alive; if the window is full its MsgApps were probably lost, so free a
      // slot and send again (a gap then triggers a rejection and a probe).
      if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
      if (pr.match < r.raftLog.lastIndex()) maybeSendAppend(r, m.from, true);
      if (r.cfg.readOnlyOption !== 'safe' || m.context.length === 0) return;
      const acks = r.readOnly.recvAck(m.from, m.context);
      if (!acks) return;
      const votes = new Map<NodeId, boolean>();
      for (const id of acks) votes.set(id, true);
      if (voteResult(r.trk.voters, votes) !== 'won') return;
      for (const rs of r.readOnly.advance(m.context)) respondToReadIndex(r, rs.req, rs.index);
      return;
    }
    case MessageType.TransferLeader: {
      if (pr.isLearner) return;
      const to = m.from;
      if (r.leadTransferee === to || to === r.id) return;
      r.leadTransferee = to;
      // The transfer must finish within an election timeout.
      r.electionElapsed = 0;
      if (pr.match === r.raftLog.lastIndex()) sendTimeoutNow(r, to);
      else maybeSendAppend(r, to, true);
      return;
    }
    default:
      return;
  }
}

export function isLeader(r: Raft): boolean {
  return r.state === StateType.Leader;
}
