// Follower and candidate behaviour: accepting the leader's log, snapshots in chunks, elections.
import { RaftError, RaftErrorCode } from './errors.ts';
import type { Raft } from './raft.ts';
import type { Message, Snapshot } from './types.ts';
import { MessageType, NONE, StateType, msg } from './types.ts';

function handleAppend(r: Raft, m: Message): void {
  if (m.index < r.raftLog.committed) {
    r.send(msg({ type: MessageType.AppResp, to: m.from, index: r.raftLog.committed }));
    return;
  }
  const res = r.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (res) {
    if (res.conflict !== 0) r.membership.onAppend(m.entries.slice(res.conflict - (m.index + 1)));
    r.send(msg({ type: MessageType.AppResp, to: m.from, index: res.lastNew }));
    return;
  }
  // Fast backtracking: point the leader at the last index whose term could match.
  const [hintIndex, hintTerm] = r.raftLog.findConflictByTerm(
    Math.min(m.index, r.raftLog.lastIndex()),
    m.logTerm,
  );
  r.send(
    msg({
      type: MessageType.AppResp,
      to: m.from,
      index: m.index,
      reject: true,
      rejectHint: hintIndex,
      logTerm: hintTerm,
    }),
  );
}

function handleHeartbeat(r: Raft, m: Message): void {
  r.raftLog.commitTo(Math.min(m.commit, r.raftLog.lastIndex()));
  r.send(msg({ type: MessageType.HeartbeatResp, to: m.from, context: m.context }));
}

/** Collects chunks; handles the snapshot once every byte has arrived. */
function handleSnapshotChunk(r: Raft, m: Message): void {
  const c = m.snapshot;
  if (!c) return;
  const key = `${c.meta.index}/${c.meta.term}`;
  if (!r.snapRecv || r.snapRecv.key !== key) {
    r.snapRecv = { key, total: c.total, bytes: 0, chunks: new Map() };
  }
  const st = r.snapRecv;
  if (!st.chunks.has(c.offset)) {
    st.chunks.set(c.offset, c.data);
    st.bytes += c.data.length;
  }
  if (st.bytes < st.total) return;
  const data = new Uint8Array(st.total);
  for (const [off, d] of st.chunks) data.set(d, off);
  r.snapRecv = null;
  handleSnapshot(r, m, { meta: c.meta, data });
}

function handleSnapshot(r: Raft, m: Message, s: Snapshot): void {
  if (restore(r, s)) {
    r.send(msg({ type: MessageType.AppResp, to: m.from, index: r.raftLog.lastIndex() }));
  } else {
    r.send(msg({ type: MessageType.AppResp, to: m.from, index: r.raftLog.committed }));
  }
}

function restore(r: Raft, s: Snapshot): boolean {
  if (s.meta.index <= r.raftLog.committed) return false;
  if (r.state !== StateType.Follower) {
    // Only a leader of this term sends snapshots, so we must be its follower.
    r.becomeFollower(r.term + 1, NONE);
    return false;
  }
  if (r.raftLog.matchTerm(s.meta.index, s.meta.term)) {
    // We already have the entries; just fast-forward the commit index.
    r.raftLog.commitTo(s.meta.index);
    return false;
  }
  r.raftLog.restore(s);
  r.membership.onRestore(s.meta.confState);
  return true;
}

export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.Prop:
      if (r.lead === NONE) throw new RaftError(RaftErrorCode.ProposalDropped, 'no leader');
      if (r.cfg.disableProposalForwarding)
        throw new RaftError(RaftErrorCode.ProposalDropped, 'forwarding disabled');
      r.send({ ...m, to: r.lead });
      return;
    case MessageType.App:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppend(r, m);
      return;
    case MessageType.Heartbeat:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      return;
    case MessageType.Snap:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshotChunk(r, m);
      return;
    case MessageType.TransferLeader:
      if (r.lead === NONE) return;
      r.send({ ...m, to: r.lead });
      return;
    case MessageType.TimeoutNow:
      // The leader asked us to take over: campaign now, skipping pre-vote and leases.
      r.hup('transfer');
      return;
    case MessageType.ReadIndex:
      if (r.lead === NONE) return;
      r.send({ ...m, to: r.lead });
      return;
    case MessageType.ReadIndexResp:
      r.readStates.push({ index: m.index, context: m.context });
      return;
    default:
      return;
  }
}

export function stepCandidate(r: Raft, m: Message): void {
  const myVoteResp =
    r.state === StateType.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
  switch (m.type) {
    case MessageType.Prop:
      throw new RaftError(RaftErrorCode.ProposalDropped, 'no leader');
    case MessageType.App:
      r.becomeFollower(m.term, m.from);
      handleAppend(r, m);
      return;
    case MessageType.Heartbeat:
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return;
    case MessageType.Snap:
      r.becomeFollower(m.term, m.from);
      handleSnapshotChunk(r, m);
      return;
    case MessageType.VoteResp:
    case MessageType.PreVoteResp: {
      if (m.type !== myVoteResp) return;
      const res = r.poll(m.from, !m.reject);
      if (res === 'won') {
        if (r.state === StateType.PreCandidate) {
          r.campaign('election');
        } else {
          r.becomeLeader();
        }
      } else if (res === 'lost') {
        // A pre-candidate may hear rejections carrying our own term; it returns to follower.
        r.becomeFollower(r.term, NONE);
      }
      return;
    }
    default:
      return;
  }
}
