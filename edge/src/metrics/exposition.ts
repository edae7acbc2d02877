import {
  EDGE_METRICS,
  renderPrometheus,
  type Family,
  type GaugeFamily,
  type MetricSpec,
} from '@proxima/core/metrics';
import { presenceStub, type Env } from '../env.ts';
import { dashboardNodes, dashboardRaft } from '../dashboard/fleet-view.ts';
import { MembershipClient } from '../raft/client/membership-client.ts';
import { metricsHubStub } from './recording.ts';

const gauge = (spec: MetricSpec, samples: GaugeFamily['samples']): Family => ({
  kind: 'sample',
  family: { spec, samples },
});

/** Node gauges from presence: one sample per node and state counts. */
async function nodeFamilies(env: Env, now: number): Promise<Family[]> {
  const nodes = dashboardNodes(await presenceStub(env).listNodes(now), now);
  const states = ['ready', 'suspect', 'draining', 'gone'] as const;
  const per = (pick: (n: (typeof nodes)[number]) => number | null) =>
    nodes.flatMap((n) => {
      const v = pick(n);
      return v === null ? [] : [{ values: [n.id], value: v }];
    });
  return [
    gauge(
      EDGE_METRICS.nodes,
      states.map((s) => ({ values: [s], value: nodes.filter((n) => n.state === s).length })),
    ),
    gauge(
      EDGE_METRICS.nodeSlots,
      per((n) => n.slots),
    ),
    gauge(
      EDGE_METRICS.nodeInFlight,
      per((n) => n.inFlight),
    ),
    gauge(
      EDGE_METRICS.nodeQueued,
      per((n) => n.queued),
    ),
    gauge(
      EDGE_METRICS.nodeVramFree,
      per((n) => n.vramFreeBytes),
    ),
    gauge(
      EDGE_METRICS.nodeHeartbeatAge,
      per((n) => n.heartbeatAgeMs / 1000),
    ),
  ];
}

async function raftFamilies(env: Env): Promise<Family[]> {
  const raft = dashboardRaft(await new MembershipClient(env).status());
  const per = (pick: (p: (typeof raft.peers)[number]) => number | null) =>
    raft.peers.flatMap((p) => {
      const v = pick(p);
      return v === null ? [] : [{ values: [String(p.id)], value: v }];
    });
  return [
    gauge(EDGE_METRICS.raftLeader, [{ values: [], value: raft.leader }]),
    gauge(
      EDGE_METRICS.raftTerm,
      per((p) => p.term),
    ),
    gauge(
      EDGE_METRICS.raftCommit,
      per((p) => p.commit),
    ),
    gauge(
      EDGE_METRICS.raftReachable,
      per((p) => (p.reachable ? 1 : 0)),
    ),
  ];
}

async function hubFamilies(env: Env): Promise<Family[]> {
  const hub = await metricsHubStub(env).families();
  return [
    ...hub.counters.map((family): Family => ({ kind: 'sample', family })),
    ...hub.histograms.map((family): Family => ({ kind: 'histogram', family })),
    gauge(EDGE_METRICS.burstInFlight, [{ values: [], value: hub.burstInFlight }]),
    gauge(EDGE_METRICS.droppedSeries, [{ values: [], value: hub.droppedSeries }]),
  ];
}

/**
 * The edge's /metrics text: the hub's counters and histograms (every isolate's), node gauges from
 * presence and the registry group's Raft state. A part that cannot be read is left out and
 * reported as down in proxima_edge_scrape_part_up, so one slow part never fails the scrape.
 */
export async function edgeExposition(env: Env, now: number): Promise<string> {
  const parts = [
    ['hub', hubFamilies(env)],
    ['presence', nodeFamilies(env, now)],
    ['raft', raftFamilies(env)],
  ] as const;
  const settled = await Promise.allSettled(parts.map(([, p]) => p));
  const families: Family[] = [];
  const up: { values: string[]; value: number }[] = [];
  settled.forEach((result, i) => {
    const name = parts[i]?.[0] ?? 'unknown';
    up.push({ values: [name], value: result.status === 'fulfilled' ? 1 : 0 });
    if (result.status === 'fulfilled') families.push(...result.value);
    else
      console.error(
        JSON.stringify({ event: 'metrics.part_failed', part: name, err: String(result.reason) }),
      );
  });
  families.push(gauge(EDGE_METRICS.scrapePartUp, up));
  return renderPrometheus(families);
}
