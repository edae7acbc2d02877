// Every metric Proxima exports, named once: the edge's /metrics, each node's --metrics and
// docs/metrics.md all read these. Labels never carry a prompt, a key or a key id.

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labels: readonly string[];
}

/**
 * Request latency buckets in seconds (time to the response's headers at the edge; a job's whole
 * run on a node). Shared, so edge and node histograms line up in one query.
 */
export const LATENCY_BUCKETS_S: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];

function spec(name: string, type: MetricType, help: string, labels: readonly string[] = []) {
  return { name, type, help, labels } as const satisfies MetricSpec;
}

/** The edge's metrics (GET /metrics, admin). */
export const EDGE_METRICS = {
  requests: spec(
    'proxima_edge_requests_total',
    'counter',
    'HTTP requests answered by the edge, by route group and status class.',
    ['route', 'status_class'],
  ),
  requestDuration: spec(
    'proxima_edge_request_duration_seconds',
    'histogram',
    'Time from a request reaching the edge to its response headers (a stream: its first byte).',
    ['route'],
  ),
  errors: spec(
    'proxima_edge_errors_total',
    'counter',
    'Requests answered with an error, by route group and error class.',
    ['route', 'class'],
  ),
  tokens: spec(
    'proxima_edge_tokens_total',
    'counter',
    'Tokens of metered requests, by tenant, direction (prompt, completion) and backend kind.',
    ['tenant', 'direction', 'backend_kind'],
  ),
  cacheLookups: spec(
    'proxima_edge_cache_lookups_total',
    'counter',
    'Semantic-cache lookups by outcome (hit, semantic_hit, miss).',
    ['outcome'],
  ),
  burstInFlight: spec(
    'proxima_edge_burst_jobs_in_flight',
    'gauge',
    'Jobs the edge has sent to the Azure Function App and not yet settled.',
  ),
  burstJobs: spec(
    'proxima_edge_burst_jobs_total',
    'counter',
    'Jobs sent to the Azure Function App, by outcome (ok, failed).',
    ['outcome'],
  ),
  nodes: spec(
    'proxima_edge_nodes',
    'gauge',
    'Nodes known to presence, by state (ready, suspect, draining, gone).',
    ['state'],
  ),
  nodeSlots: spec('proxima_edge_node_slots', 'gauge', 'Jobs a node runs at once.', ['node']),
  nodeInFlight: spec('proxima_edge_node_jobs_in_flight', 'gauge', 'Jobs a node runs now.', [
    'node',
  ]),
  nodeQueued: spec('proxima_edge_node_jobs_queued', 'gauge', 'Jobs waiting on a node.', ['node']),
  nodeVramFree: spec(
    'proxima_edge_node_vram_free_bytes',
    'gauge',
    "A node's free GPU memory as its last heartbeat said.",
    ['node'],
  ),
  nodeHeartbeatAge: spec(
    'proxima_edge_node_heartbeat_age_seconds',
    'gauge',
    "Seconds since a node's last heartbeat or update.",
    ['node'],
  ),
  raftLeader: spec(
    'proxima_edge_raft_leader',
    'gauge',
    'The registry Raft peer that leads now (0: none).',
  ),
  raftTerm: spec('proxima_edge_raft_term', 'gauge', "A registry Raft peer's current term.", [
    'peer',
  ]),
  raftCommit: spec(
    'proxima_edge_raft_commit_index',
    'gauge',
    "A registry Raft peer's commit index.",
    ['peer'],
  ),
  raftReachable: spec(
    'proxima_edge_raft_peer_up',
    'gauge',
    'Whether a registry Raft peer answered its status call (1) or not (0).',
    ['peer'],
  ),
  scrapePartUp: spec(
    'proxima_edge_scrape_part_up',
    'gauge',
    'Whether each part of this scrape could be read (1) or not (0): hub, presence, raft.',
    ['part'],
  ),
  droppedSeries: spec(
    'proxima_edge_metrics_dropped_series',
    'gauge',
    'Label sets the metrics hub refused because a metric held its maximum.',
  ),
} as const;

/** A node's metrics (`proxima node --metrics HOST:PORT`), beside prom-client's process metrics. */
export const NODE_METRICS = {
  jobs: spec(
    'proxima_node_jobs_total',
    'counter',
    'Jobs this node finished, by model, kind and outcome (ok, error, cancelled).',
    ['model', 'kind', 'outcome'],
  ),
  jobDuration: spec(
    'proxima_node_job_duration_seconds',
    'histogram',
    "A job's whole run on this node, from its arrival to its last chunk.",
    ['model'],
  ),
  tokens: spec(
    'proxima_node_tokens_total',
    'counter',
    'Tokens this node read and generated, by model and direction (prompt, completion).',
    ['model', 'direction'],
  ),
  slots: spec('proxima_node_slots', 'gauge', 'Jobs this node runs at once now.'),
  inFlight: spec('proxima_node_jobs_in_flight', 'gauge', 'Jobs running on this node now.'),
  queued: spec('proxima_node_jobs_queued', 'gauge', 'Jobs waiting for a slot on this node.'),
  vramFree: spec(
    'proxima_node_vram_free_bytes',
    'gauge',
    'Free GPU memory as the engine reports it (absent without a GPU).',
  ),
  edgeConnected: spec(
    'proxima_node_edge_connected',
    'gauge',
    'Whether the node holds a session with the edge (1) or not (0).',
  ),
  edgeReconnects: spec(
    'proxima_node_edge_reconnects_total',
    'counter',
    'Times the node dialled the edge again after losing its session.',
  ),
} as const;
