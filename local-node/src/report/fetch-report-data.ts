import type { AuditEntry } from '@proxima/core/dashboard';
import type { UsageQuery, UsageRow } from '@proxima/core/limits';
import {
  adminUrl,
  EdgeHttpError,
  EdgeUnreachableError,
  type AdminClient,
} from '../cli/admin/client.ts';
import { readRaft } from '../cli/admin/raft-views.ts';
import { expectList, read } from '../cli/admin/views.ts';
import { sectionOf } from '../cli/admin/section.ts';
import { readStatus, type Section } from '../cli/status-view.ts';
import type { ReportData } from './report-data.ts';

/** Operators' actions read for the incidents (the newest ones). */
export const AUDIT_LIMIT = 200;
const METRICS_TIMEOUT_MS = 30_000;

export interface ReportSource {
  readonly client: AdminClient;
  /** For /metrics, which answers text, not the JSON the admin client reads. */
  readonly edge: string;
  readonly adminToken: string;
  /** `--since` as given, and the range it means. */
  readonly since: string;
  readonly range: UsageQuery;
}

const AUDIT_ENTRY = {
  at: 'number',
  subject: 'string',
  action: 'string',
  target: 'string',
  outcome: 'string',
  detail: 'string',
};

/** GET /metrics with the admin token: the Prometheus text. */
async function metricsText(edge: string, adminToken: string): Promise<string> {
  const url = adminUrl(edge, '/metrics');
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${adminToken}`, accept: 'text/plain' },
      signal: AbortSignal.timeout(METRICS_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : '';
    throw new EdgeUnreachableError(url.toString(), cause || String(err));
  }
  if (!response.ok)
    throw new EdgeHttpError(response.status, response.statusText || 'error', null, null);
  return text;
}

async function part<T>(
  pending: Promise<unknown>,
  readAs: (body: unknown) => T,
): Promise<Section<T>> {
  const settled: PromiseSettledResult<unknown> = await pending.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  );
  return sectionOf(settled, readAs);
}

/**
 * Everything the report needs, read at once. The per-tenant usage is required: its failure (the
 * edge unreachable, a wrong token) is thrown as is. Any other part that fails is recorded as
 * missing, so an older edge (no /metrics, no audit log) still gets a report.
 */
export async function fetchReportData(source: ReportSource): Promise<ReportData> {
  const { client, range } = source;
  const usage = (groupBy?: string) =>
    client.request('GET', '/admin/usage', {
      query: {
        from: String(range.from),
        to: String(range.to),
        ...(groupBy === undefined ? {} : { group_by: groupBy }),
      },
    });
  const rows = (body: unknown): readonly UsageRow[] => read.usage(body).rows;
  const tenantsPending = usage();
  const pending = {
    hourly: part(usage('hour'), rows),
    modelBackend: part(usage('model,backend'), rows),
    metrics: part(metricsText(source.edge, source.adminToken), String),
    nodes: part(client.request('GET', '/admin/nodes'), (b) => readStatus.nodes(b)),
    alerts: part(client.request('GET', '/admin/alerts'), (b) => readStatus.alerts(b)),
    audit: part(
      client.request('GET', '/admin/audit', { query: { limit: String(AUDIT_LIMIT) } }),
      (body) => expectList<AuditEntry>(body, 'entries', AUDIT_ENTRY, 'the audit log'),
    ),
    raft: part(client.request('GET', '/admin/raft/status'), (b) => readRaft.status(b)),
  };
  // Settle the optional parts before a failed required one is thrown (no rejection left unheard).
  const [tenants] = await Promise.allSettled([tenantsPending, ...Object.values(pending)]);
  if (tenants.status === 'rejected') throw tenants.reason;
  return {
    edge: source.edge,
    since: source.since,
    from: range.from,
    to: range.to,
    tenants: rows(tenants.value),
    hourly: await pending.hourly,
    modelBackend: await pending.modelBackend,
    metrics: await pending.metrics,
    nodes: await pending.nodes,
    alerts: await pending.alerts,
    audit: await pending.audit,
    raft: await pending.raft,
  };
}
