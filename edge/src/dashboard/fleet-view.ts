import type {
  DashboardBackend,
  DashboardNode,
  DashboardRaft,
  DashboardRaftPeer,
  NodeState,
} from '@proxima/core/dashboard';
import type { RouterSnapshot } from '@proxima/core/routing';
import type { GroupStatus } from '../raft/client/membership-client.ts';
import type { NodeStatus } from '../presence/presence.ts';

export function nodeState(node: NodeStatus): NodeState {
  if (!node.connected || node.health === 'gone') return 'gone';
  if (node.draining) return 'draining';
  if (node.health === 'suspect') return 'suspect';
  return 'ready';
}

/** Presence's nodes as operators read them (the dashboard and /metrics share this view). */
export function dashboardNodes(nodes: readonly NodeStatus[], now: number): DashboardNode[] {
  return nodes.map((n) => ({
    id: n.nodeId,
    engine: n.engine,
    gpu: n.gpu,
    models: n.models,
    state: nodeState(n),
    slots: n.slots,
    inFlight: n.load?.inFlight ?? 0,
    queued: n.load?.queued ?? 0,
    vramFreeBytes: n.load && n.load.vramFreeBytes > 0 ? n.load.vramFreeBytes : null,
    heartbeatAgeMs: Math.max(0, now - n.updatedAt),
    alerts: n.alerts.map(
      (a) => `${a.metric} ${a.kind}: ${Math.round(a.current)} against ${Math.round(a.baseline)}`,
    ),
  }));
}

export function dashboardBackends(snapshot: RouterSnapshot): DashboardBackend[] {
  return snapshot.backends.map((b) => ({
    id: b.id,
    breaker: b.breaker,
    latencyMs: b.sampled ? Math.round(b.latencyMs * 10) / 10 : null,
    consecutiveFailures: b.consecutiveFailures,
    retryAfterMs: b.retryAfterMs,
  }));
}

/** The registry's Raft group: each peer's own view, and its lag behind the leader's commit. */
export function dashboardRaft(status: GroupStatus): DashboardRaft {
  const leaderView = status.peers.find((p) => 'term' in p && p.self === status.leader);
  const leaderCommit = leaderView && 'commit' in leaderView ? leaderView.commit : null;
  const peers: DashboardRaftPeer[] = status.peers.map((p) => {
    const id = p.self;
    const role: DashboardRaftPeer['role'] =
      id === status.leader
        ? 'leader'
        : status.voters.includes(id)
          ? 'voter'
          : status.learners.includes(id)
            ? 'learner'
            : 'unknown';
    if (!('term' in p)) {
      return { id, reachable: false, role, term: null, commit: null, applied: null, lag: null };
    }
    return {
      id,
      reachable: true,
      role,
      term: p.term,
      commit: p.commit,
      applied: p.applied,
      lag: leaderCommit === null ? null : Math.max(0, leaderCommit - p.commit),
    };
  });
  return {
    leader: status.leader,
    term: leaderView && 'term' in leaderView ? leaderView.term : null,
    commit: leaderCommit,
    peers,
  };
}
