import type { UsageRow } from '@proxima/core/limits';
import type { ReportData } from './report-data.ts';

/** Fixtures for the report's unit tests: rows and a ReportData with every part present. */

export const HOUR = 3_600_000;
/** The range's end, on an hour boundary: 2025-01-31 12:00Z. */
export const TO = Date.UTC(2025, 0, 31, 12);
export const FROM = TO - 24 * HOUR;

export function row(over: Partial<UsageRow> & { tenant: string }): UsageRow {
  return {
    requests: 0,
    promptTokens: 0,
    completionTokens: 0,
    cacheHits: 0,
    errors: 0,
    latencyMsSum: 0,
    latencyMsMax: 0,
    ...over,
  };
}

/** A report's data with nothing in it: every part read, all empty. */
export function emptyData(over: Partial<ReportData> = {}): ReportData {
  return {
    edge: 'http://127.0.0.1:8787',
    since: '24h',
    from: FROM,
    to: TO,
    tenants: [],
    hourly: { ok: true, value: [] },
    modelBackend: { ok: true, value: [] },
    metrics: { ok: true, value: '' },
    nodes: { ok: true, value: [] },
    alerts: { ok: true, value: { alerts: [], cleared: [] } },
    audit: { ok: true, value: [] },
    raft: { ok: true, value: { leader: 1, voters: [1, 2, 3], learners: [], peers: [] } },
    ...over,
  };
}
