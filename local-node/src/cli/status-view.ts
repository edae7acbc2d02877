import { table, time } from './admin/format.ts';
import { members, type RaftStatus } from './admin/raft-views.ts';
import { expectList, expectObject, read, type NodeView } from './admin/views.ts';

/**
 * What `proxima status` reads (GET /admin/nodes, /admin/alerts, /admin/raft/status,
 * /admin/routing; see edge/src/routes/admin/) and how it prints it. Like the other admin views,
 * the outlines are the CLI's own and checked only for their shape. Pure: values in, strings out.
 */

/** A sentinel alert (core/routing/baseline.ts): a node's latency or errors drifted from its baseline. */
export interface AlertView {
  readonly backend: string;
  readonly kind: string;
  /** ttft_ms, ms_per_token or error_rate (printed as given when unknown). */
  readonly metric: string;
  readonly current: number;
  readonly baseline: number;
  readonly since: number;
}

export interface ClearedAlertView extends AlertView {
  readonly clearedAt: number;
  /** recovered, stale or disconnected. */
  readonly reason: string;
}

export interface AlertsReport {
  readonly alerts: readonly AlertView[];
  readonly cleared: readonly ClearedAlertView[];
}

/** A node as /admin/nodes lists it, with what newer edges add. */
export interface StatusNode extends NodeView {
  readonly load?: {
    readonly inFlight: number;
    readonly queued: number;
    readonly vramFreeBytes?: number;
  } | null;
  readonly alerts?: readonly AlertView[];
}

/** One backend as the answering isolate's router holds it. */
export interface BackendRoutingView {
  readonly id: string;
  readonly latencyMs: number;
  readonly sampled?: boolean;
  /** closed, open or half_open. */
  readonly breaker: string;
  readonly retryAfterMs: number;
  readonly consecutiveFailures?: number;
}

export interface UpstreamView {
  readonly name: string;
  readonly backend: string;
  readonly models: readonly string[];
  readonly costPer1kTokens: number;
  readonly priority: number;
  readonly maxConcurrent: number;
  readonly inFlight: number;
  readonly breaker: string;
  readonly retryAfterMs: number;
}

/** GET /admin/routing: one isolate's breakers and latencies, and the upstreams. */
export interface RoutingReport {
  readonly isolate: string;
  /** The edge's own words on the scope (kept in --json; the table says it in the CLI's). */
  readonly note: string;
  readonly backends: readonly BackendRoutingView[];
  readonly total: number;
  readonly upstreams: readonly UpstreamView[];
  readonly upstreamsError: string | null;
}

const ALERT = {
  backend: 'string',
  kind: 'string',
  metric: 'string',
  current: 'number',
  baseline: 'number',
  since: 'number',
};

export const readStatus = {
  nodes: (body: unknown): StatusNode[] => read.nodes(body),
  alerts(body: unknown): AlertsReport {
    const what = "the sentinel's alerts";
    const alerts = expectList<AlertView>(body, 'alerts', ALERT, what);
    const cleared = expectList<ClearedAlertView>(
      body,
      'cleared',
      { ...ALERT, clearedAt: 'number', reason: 'string' },
      what,
    );
    return { alerts, cleared };
  },
  routing(body: unknown): RoutingReport {
    const what = "an isolate's routing state";
    const report = expectObject<RoutingReport>(
      body,
      { isolate: 'string', note: 'string', total: 'number', upstreamsError: 'string|null' },
      what,
    );
    expectList<BackendRoutingView>(
      body,
      'backends',
      { id: 'string', latencyMs: 'number', breaker: 'string', retryAfterMs: 'number' },
      what,
    );
    expectList<UpstreamView>(
      body,
      'upstreams',
      {
        name: 'string',
        backend: 'string',
        models: 'string[]',
        costPer1kTokens: 'number',
        priority: 'number',
        maxConcurrent: 'number',
        inFlight: 'number',
        breaker: 'string',
        retryAfterMs: 'number',
      },
      what,
    );
    return report;
  },
};

/** A section the edge did not answer: why, in a few words (an older edge has no such route). */
export interface Missing {
  readonly status: number | null;
  readonly message: string;
}

export type Section<T> =
  { readonly ok: true; readonly value: T } | ({ readonly ok: false } & Missing);

export interface Status {
  readonly edge: string;
  readonly at: number;
  readonly nodes: readonly StatusNode[];
  readonly alerts: Section<AlertsReport>;
  readonly raft: Section<RaftStatus>;
  readonly routing: Section<RoutingReport>;
}

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** "7.5 GiB"; '-' when unknown (CPU nodes report 0). */
export function bytes(n: number | undefined): string {
  if (n === undefined || n <= 0) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit] ?? 'B'}`;
}

/** In the metric's unit: "1,530 ms", "45.2 ms/token", "35.0 %". */
export function metricValue(metric: string, value: number): string {
  if (metric === 'ttft_ms') return `${count(Math.round(value))} ms`;
  if (metric === 'ms_per_token') return `${value.toFixed(1)} ms/token`;
  if (metric === 'error_rate') return `${(value * 100).toFixed(1)} %`;
  return String(value);
}

/** "5 s", "2 min 5 s": how long until something, rounded up to the second. */
export function seconds(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

function unavailable(name: string, missing: Missing): string {
  if (missing.status === 404)
    return `${name}: not available from this edge (an older version?): ${missing.message}\n`;
  const status = missing.status === null ? '' : `${missing.status} `;
  return `${name}: unavailable: ${status}${missing.message}\n`;
}

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

function nodesSection(list: readonly StatusNode[]): string {
  const connected = list.filter((n) => n.connected);
  const offline = list.filter((n) => !n.connected);
  if (list.length === 0)
    return 'Nodes: none has connected yet (a node connects with a token from `proxima admin node-tokens create`).\n';
  const healthy = connected.filter((n) => n.health === 'healthy').length;
  const suspect = connected.filter((n) => n.health === 'suspect').length;
  const degraded = connected.filter((n) => (n.alerts?.length ?? 0) > 0).length;
  const draining = connected.filter((n) => n.draining).length;
  const head =
    `Nodes: ${count(connected.length)} connected (${count(healthy)} healthy, ${count(suspect)} suspect; ` +
    `${count(degraded)} degraded, ${count(draining)} draining)` +
    (offline.length === 0 ? '' : `, ${count(offline.length)} not connected`) +
    '.\n';
  const rows =
    connected.length === 0
      ? ''
      : table<StatusNode>(
          [
            { header: 'NODE', value: (n) => n.nodeId },
            { header: 'HEALTH', value: (n) => n.health ?? '-' },
            {
              header: 'ALERTS',
              value: (n) =>
                n.alerts === undefined || n.alerts.length === 0
                  ? '-'
                  : n.alerts.map((a) => a.kind).join(','),
            },
            { header: 'DRAINING', value: (n) => yesNo(n.draining) },
            { header: 'ENGINE', value: (n) => n.engine || '-' },
            { header: 'GPU', value: (n) => n.gpu || '-' },
            { header: 'MODELS', value: (n) => (n.models.length === 0 ? '-' : n.models.join(',')) },
            { header: 'SLOTS', value: (n) => count(n.slots), right: true },
            {
              header: 'IN_FLIGHT',
              value: (n) => (n.load ? count(n.load.inFlight) : '-'),
              right: true,
            },
            { header: 'QUEUED', value: (n) => (n.load ? count(n.load.queued) : '-'), right: true },
            { header: 'VRAM_FREE', value: (n) => bytes(n.load?.vramFreeBytes), right: true },
          ],
          connected,
        );
  const shown = offline.slice(0, 10).map((n) => n.nodeId);
  const more = offline.length - shown.length;
  const gone =
    offline.length === 0
      ? ''
      : `Not connected: ${shown.join(', ')}${more > 0 ? ` and ${count(more)} more` : ''}.\n`;
  return head + rows + gone;
}

/** Cleared alerts shown at most; --json has them all. */
const CLEARED_SHOWN = 5;

function alertsSection(report: AlertsReport): string {
  const active = report.alerts;
  let out =
    active.length === 0
      ? 'Alerts: none.\n'
      : `Alerts: ${plural(active.length, 'active alert')}; routing sends work to these nodes only when no other has room.\n` +
        table<AlertView>(
          [
            { header: 'BACKEND', value: (a) => a.backend },
            { header: 'KIND', value: (a) => a.kind },
            { header: 'METRIC', value: (a) => a.metric },
            { header: 'CURRENT', value: (a) => metricValue(a.metric, a.current), right: true },
            { header: 'BASELINE', value: (a) => metricValue(a.metric, a.baseline), right: true },
            { header: 'SINCE', value: (a) => time(a.since) },
          ],
          active,
        );
  if (report.cleared.length > 0) {
    const shown = report.cleared.slice(0, CLEARED_SHOWN);
    const more = report.cleared.length - shown.length;
    out +=
      `Cleared lately${more > 0 ? ` (latest ${shown.length} of ${count(report.cleared.length)}; --json has all)` : ''}:\n` +
      table<ClearedAlertView>(
        [
          { header: 'BACKEND', value: (a) => a.backend },
          { header: 'KIND', value: (a) => a.kind },
          { header: 'METRIC', value: (a) => a.metric },
          { header: 'SINCE', value: (a) => time(a.since) },
          { header: 'CLEARED', value: (a) => time(a.clearedAt) },
          { header: 'REASON', value: (a) => a.reason },
        ],
        shown,
      );
  }
  return out;
}

function raftSection(report: RaftStatus): string {
  const head =
    report.leader === 0
      ? 'Registry (Raft): no leader (an election may be under way, or a majority is unreachable)'
      : `Registry (Raft): ${members(report)}`;
  const down = report.peers.flatMap((p) => ('error' in p ? [`peer ${p.self}: ${p.error}`] : []));
  const lagging = report.peers.flatMap((p) =>
    'error' in p || report.leader === 0 || p.leader === report.leader
      ? []
      : [`peer ${p.self} follows ${p.leader === 0 ? 'no leader' : `leader ${p.leader}`}`],
  );
  const notes = [...down.map((d) => `unreachable ${d}`), ...lagging];
  return `${head}${notes.length === 0 ? '; every member answered.' : `; ${notes.join('; ')}.`}\n`;
}

function breaker(b: { readonly breaker: string; readonly retryAfterMs: number }): string {
  if (b.breaker === 'open') return `open (probe in ${seconds(b.retryAfterMs)})`;
  return b.breaker.replace('_', '-');
}

function routingSection(report: RoutingReport): string {
  let out =
    `Routing, as edge isolate ${report.isolate} sees it (each isolate keeps its own breakers and latencies; another call may reach another isolate):\n` +
    (report.backends.length === 0
      ? 'No backend routed by this isolate yet.\n'
      : table<BackendRoutingView>(
          [
            { header: 'BACKEND', value: (b) => b.id },
            { header: 'BREAKER', value: breaker },
            {
              header: 'PEAK_EWMA',
              value: (b) => (b.sampled === false ? '-' : `${count(Math.round(b.latencyMs))} ms`),
              right: true,
            },
            {
              header: 'FAILURES_IN_A_ROW',
              value: (b) => count(b.consecutiveFailures ?? 0),
              right: true,
            },
          ],
          report.backends,
        ));
  if (report.total > report.backends.length)
    out += `(${count(report.total - report.backends.length)} more backends remembered; --json lists the first ${count(report.backends.length)}.)\n`;
  if (report.upstreamsError !== null)
    out += `Upstreams: off in this isolate, UPSTREAMS is invalid: ${report.upstreamsError}\n`;
  else if (report.upstreams.length === 0) out += 'Upstreams: none configured.\n';
  else
    out +=
      'Upstreams:\n' +
      table<UpstreamView>(
        [
          { header: 'NAME', value: (u) => u.name },
          { header: 'MODELS', value: (u) => u.models.join(',') },
          { header: 'COST_PER_1K', value: (u) => String(u.costPer1kTokens), right: true },
          { header: 'PRIORITY', value: (u) => String(u.priority), right: true },
          {
            header: 'IN_FLIGHT',
            value: (u) => `${count(u.inFlight)}/${count(u.maxConcurrent)}`,
            right: true,
          },
          { header: 'BREAKER', value: breaker },
        ],
        report.upstreams,
      );
  return out;
}

/** The whole status, one section after another, separated by blank lines. */
export function status(s: Status): string {
  return [
    `Proxima edge ${s.edge} at ${time(s.at)}.\n`,
    nodesSection(s.nodes),
    s.alerts.ok ? alertsSection(s.alerts.value) : unavailable('Alerts', s.alerts),
    s.raft.ok ? raftSection(s.raft.value) : unavailable('Registry (Raft)', s.raft),
    s.routing.ok ? routingSection(s.routing.value) : unavailable('Routing', s.routing),
  ].join('\n');
}
