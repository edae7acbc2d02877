import type { AuditEntry } from '@proxima/core/dashboard';
import type { UsageRow } from '@proxima/core/limits';
import { time } from '../cli/admin/format.ts';
import type { RaftStatus } from '../cli/admin/raft-views.ts';
import {
  metricValue,
  type AlertsReport,
  type Section,
  type StatusNode,
} from '../cli/status-view.ts';
import type { ReportData } from './report-data.ts';
import type {
  CacheSavings,
  HourPoint,
  Incident,
  Incidents,
  NodeLine,
  NodeStateLabel,
  RaftSummary,
  ReportModel,
  UsageLine,
} from './report-model.ts';
import { routeLatencies } from './route-latency.ts';

const HOUR_MS = 3_600_000;
/** An hour is an incident when more than this share of its requests failed. */
export const ERROR_HOUR_RATIO = 0.05;
/** The backend usage records for an answer from the semantic cache. */
const CACHE_BACKEND = 'cache';
/** Audit outcomes that are incidents. */
const FAILED_OUTCOMES: ReadonlySet<AuditEntry['outcome']> = new Set(['failed', 'refused']);

type Counts = Omit<UsageLine, 'name' | 'meanLatencyMs'> & { latencyMsSum: number };

function sum(rows: readonly UsageRow[]): Counts {
  const c = {
    requests: 0,
    promptTokens: 0,
    completionTokens: 0,
    cacheHits: 0,
    errors: 0,
    latencyMsSum: 0,
    maxLatencyMs: 0,
  };
  for (const r of rows) {
    c.requests += r.requests;
    c.promptTokens += r.promptTokens;
    c.completionTokens += r.completionTokens;
    c.cacheHits += r.cacheHits;
    c.errors += r.errors;
    c.latencyMsSum += r.latencyMsSum;
    c.maxLatencyMs = Math.max(c.maxLatencyMs, r.latencyMsMax);
  }
  return c;
}

function line(name: string, rows: readonly UsageRow[]): UsageLine {
  const { latencyMsSum, ...c } = sum(rows);
  return { name, ...c, meanLatencyMs: c.requests === 0 ? null : latencyMsSum / c.requests };
}

function groupBy<K>(rows: readonly UsageRow[], key: (r: UsageRow) => K): Map<K, UsageRow[]> {
  const groups = new Map<K, UsageRow[]>();
  for (const r of rows) {
    const k = key(r);
    const group = groups.get(k);
    if (group) group.push(r);
    else groups.set(k, [r]);
  }
  return groups;
}

/** One line per name, busiest first (then by name, so the order is stable). */
function lines(rows: readonly UsageRow[], name: (r: UsageRow) => string): UsageLine[] {
  return [...groupBy(rows, name)]
    .map(([n, group]) => line(n, group))
    .sort((a, b) => b.requests - a.requests || a.name.localeCompare(b.name));
}

function mapSection<T, U>(section: Section<T>, f: (value: T) => U): Section<U> {
  return section.ok ? { ok: true, value: f(section.value) } : section;
}

/** Every hour that overlaps [from, to), oldest first, with hours without a request as zeros. */
export function hourlyPoints(rows: readonly UsageRow[], from: number, to: number): HourPoint[] {
  const byHour = groupBy(rows, (r) => r.hour ?? NaN);
  const points: HourPoint[] = [];
  for (let hour = Math.floor(from / HOUR_MS) * HOUR_MS; hour < to; hour += HOUR_MS) {
    const c = sum(byHour.get(hour) ?? []);
    points.push({
      hour,
      requests: c.requests,
      errors: c.errors,
      promptTokens: c.promptTokens,
      completionTokens: c.completionTokens,
    });
  }
  return points;
}

function share(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/**
 * What the cache spared. A hit is recorded with no tokens (nothing was generated), so the tokens
 * it saved are estimated from the generated answers of the same model in the range.
 */
export function cacheSavings(
  modelBackend: Section<readonly UsageRow[]>,
  totals: UsageLine,
): CacheSavings {
  if (!modelBackend.ok) {
    return {
      basis: 'cacheHits',
      requests: totals.cacheHits,
      requestShare: share(totals.cacheHits, totals.requests),
      recordedCompletionTokens: null,
      estimatedCompletionTokens: null,
      estimatedCompletionShare: null,
      hitsWithoutEstimate: 0,
    };
  }
  const rows = modelBackend.value;
  const hits = rows.filter((r) => r.backend === CACHE_BACKEND);
  const generated = rows.filter((r) => r.backend !== CACHE_BACKEND);
  const perModel = groupBy(generated, (r) => r.model ?? '');
  let estimated = 0;
  let without = 0;
  for (const [model, group] of groupBy(hits, (r) => r.model ?? '')) {
    const { requests } = sum(group);
    const g = sum(perModel.get(model) ?? []);
    const answered = g.requests - g.errors;
    if (answered <= 0) without += requests;
    else estimated += (requests * g.completionTokens) / answered;
  }
  const requests = sum(hits).requests;
  const generatedTokens = sum(generated).completionTokens;
  return {
    basis: 'backend',
    requests,
    requestShare: share(requests, totals.requests),
    recordedCompletionTokens: sum(hits).completionTokens,
    estimatedCompletionTokens: Math.round(estimated),
    estimatedCompletionShare: share(estimated, generatedTokens + estimated),
    hitsWithoutEstimate: without,
  };
}

function nodeState(n: StatusNode): NodeStateLabel {
  if (!n.connected) return 'disconnected';
  if (n.draining) return 'draining';
  if (n.health === 'gone') return 'gone';
  if (n.health === 'suspect') return 'suspect';
  if ((n.alerts?.length ?? 0) > 0) return 'degraded';
  return 'ready';
}

function nodeLine(n: StatusNode): NodeLine {
  return {
    id: n.nodeId,
    state: nodeState(n),
    engine: n.engine,
    gpu: n.gpu,
    models: n.models,
    slots: n.slots,
    inFlight: n.load?.inFlight ?? null,
    queued: n.load?.queued ?? null,
    updatedAt: n.updatedAt,
  };
}

function raftSummary(r: RaftStatus): RaftSummary {
  return {
    leader: r.leader,
    voters: r.voters,
    learners: r.learners,
    peers: r.peers
      .map((p) =>
        'error' in p
          ? { id: p.self, error: p.error, term: null, commit: null }
          : { id: p.self, error: null, term: p.term, commit: p.commit },
      )
      .sort((a, b) => a.id - b.id),
  };
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;

function alertIncidents(report: AlertsReport, from: number): Incident[] {
  const drift = (a: { metric: string; current: number; baseline: number }) =>
    `${a.metric} ${metricValue(a.metric, a.current)} against a baseline of ${metricValue(a.metric, a.baseline)}`;
  return [
    ...report.alerts.map((a) => ({
      at: a.since,
      kind: 'alert' as const,
      subject: a.backend,
      text: `${a.kind} alert, still active: ${drift(a)}`,
      ongoing: true,
    })),
    ...report.cleared
      .filter((a) => a.clearedAt >= from)
      .map((a) => ({
        at: a.since,
        kind: 'alert cleared' as const,
        subject: a.backend,
        text: `${a.kind} alert: ${drift(a)}; cleared ${time(a.clearedAt)} (${a.reason})`,
        ongoing: false,
      })),
  ];
}

function auditIncidents(entries: readonly AuditEntry[], from: number): Incident[] {
  return entries
    .filter((e) => FAILED_OUTCOMES.has(e.outcome) && e.at >= from)
    .map((e) => ({
      at: e.at,
      kind: 'operator action' as const,
      subject: e.target,
      text: `${e.subject}: ${e.action} ${e.outcome}${e.detail === '' ? '' : `: ${e.detail}`}`,
      ongoing: false,
    }));
}

function errorHours(points: readonly HourPoint[]): Incident[] {
  return points
    .filter((p) => p.requests > 0 && p.errors / p.requests > ERROR_HOUR_RATIO)
    .map((p) => ({
      at: p.hour,
      kind: 'error hour' as const,
      subject: `${time(p.hour)} hour`,
      text: `${p.errors} of ${p.requests} requests failed (${percent(p.errors / p.requests)})`,
      ongoing: false,
    }));
}

function incidents(data: ReportData, hourly: Section<readonly HourPoint[]>): Incidents {
  const unavailable: string[] = [];
  const fromPart = <T>(name: string, section: Section<T>, f: (value: T) => Incident[]) => {
    if (section.ok) return f(section.value);
    unavailable.push(name);
    return [];
  };
  const items = [
    ...fromPart('alerts', data.alerts, (a) => alertIncidents(a, data.from)),
    ...fromPart('audit log', data.audit, (a) => auditIncidents(a, data.from)),
    ...fromPart('hourly usage', hourly, errorHours),
  ].sort((a, b) => b.at - a.at || a.kind.localeCompare(b.kind));
  return {
    rules: [
      "the sentinel's alerts: every active alert, and those cleared within the range",
      "operators' actions (the audit log's latest 200) that ended failed or refused within the range",
      `hours in which more than ${percent(ERROR_HOUR_RATIO)} of the requests ended in an error`,
    ],
    items,
    unavailable,
  };
}

/** Latency percentiles per route from the metrics text; a text this CLI cannot read is a missing part. */
function latency(metrics: Section<string>): ReportModel['latency'] {
  if (!metrics.ok) return metrics;
  try {
    return { ok: true, value: routeLatencies(metrics.value) };
  } catch (err) {
    return { ok: false, status: null, message: err instanceof Error ? err.message : String(err) };
  }
}

/** The report's model from what the edge answered. Pure: `now` is when the report is made. */
export function buildReport(data: ReportData, now: number): ReportModel {
  const totals = line('', data.tenants);
  const hourly = mapSection(data.hourly, (rows) => hourlyPoints(rows, data.from, data.to));
  return {
    edge: data.edge,
    generatedAt: now,
    since: data.since,
    from: data.from,
    to: data.to,
    totals,
    tenants: lines(data.tenants, (r) => r.tenant),
    hourly,
    models: mapSection(data.modelBackend, (rows) => lines(rows, (r) => r.model ?? '')),
    backends: mapSection(data.modelBackend, (rows) => lines(rows, (r) => r.backend ?? '')),
    cache: cacheSavings(data.modelBackend, totals),
    latency: latency(data.metrics),
    nodes: mapSection(data.nodes, (list) =>
      list.map(nodeLine).sort((a, b) => a.id.localeCompare(b.id)),
    ),
    raft: mapSection(data.raft, raftSummary),
    incidents: incidents(data, hourly),
  };
}
