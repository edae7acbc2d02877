import type { AuditEntry } from '@proxima/core/dashboard';
import type { UsageRow } from '@proxima/core/limits';
import type { RaftStatus } from '../cli/admin/raft-views.ts';
import type { AlertsReport, Section, StatusNode } from '../cli/status-view.ts';

/**
 * What `proxima report` reads from the edge, as read: the input of the pure `buildReport`. Every
 * part but the per-tenant usage may be missing (an older edge, a part that failed); a missing part
 * says why (`Section`, as `proxima status` reports its optional parts).
 */
export interface ReportData {
  /** The edge's base URL, shown as text. */
  readonly edge: string;
  /** The duration asked for (`--since`), e.g. "7d". */
  readonly since: string;
  /** The usage range, ms since the epoch: `from` inclusive, `to` exclusive. */
  readonly from: number;
  readonly to: number;
  /** GET /admin/usage, ungrouped: one row per tenant. */
  readonly tenants: readonly UsageRow[];
  /** GET /admin/usage?group_by=hour. */
  readonly hourly: Section<readonly UsageRow[]>;
  /** GET /admin/usage?group_by=model,backend: both the per-model and the per-backend view. */
  readonly modelBackend: Section<readonly UsageRow[]>;
  /** GET /metrics: Prometheus text. */
  readonly metrics: Section<string>;
  readonly nodes: Section<readonly StatusNode[]>;
  readonly alerts: Section<AlertsReport>;
  /** GET /admin/audit?limit=200, newest first. */
  readonly audit: Section<readonly AuditEntry[]>;
  readonly raft: Section<RaftStatus>;
}
