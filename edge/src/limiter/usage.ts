import { DAY_MS, hourStartMs } from '@proxima/core/limits';
import type { UsageEvent, UsageGroup, UsageQuery, UsageRow } from '@proxima/core/limits';

/** Usage buckets older than this are deleted (lazily, at most once an hour). */
export const USAGE_RETENTION_MS = 400 * DAY_MS;

/** Group → column, in the order rows are sorted. Only these names ever reach the SQL text. */
const GROUP_COLUMNS: ReadonlyArray<readonly [UsageGroup, string]> = [
  ['hour', 'hour'],
  ['key', 'key_id'],
  ['model', 'model'],
  ['backend', 'backend'],
];

/** Group columns are present only when grouped by them. */
interface SumRow extends Record<string, SqlStorageValue> {
  hour: number;
  key_id: string;
  model: string;
  backend: string;
  buckets: number;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cache_hits: number;
  errors: number;
  latency_ms_sum: number;
  latency_ms_max: number;
}

/** Adds one finished request to its hourly bucket. */
export function addUsage(sql: SqlStorage, event: UsageEvent, now: number): void {
  sql.exec(
    `INSERT INTO usage_hourly (hour, key_id, model, backend, requests, prompt_tokens,
       completion_tokens, cache_hits, errors, latency_ms_sum, latency_ms_max)
     VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (hour, key_id, model, backend) DO UPDATE SET
       requests = requests + 1,
       prompt_tokens = prompt_tokens + excluded.prompt_tokens,
       completion_tokens = completion_tokens + excluded.completion_tokens,
       cache_hits = cache_hits + excluded.cache_hits,
       errors = errors + excluded.errors,
       latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum,
       latency_ms_max = MAX(latency_ms_max, excluded.latency_ms_max)`,
    hourStartMs(now),
    event.keyId,
    event.model,
    event.backend,
    event.promptTokens,
    event.completionTokens,
    event.cacheHit ? 1 : 0,
    event.error === null ? 0 : 1,
    event.latencyMs,
    event.latencyMs,
  );
}

export function pruneUsage(sql: SqlStorage, now: number): void {
  sql.exec('DELETE FROM usage_hourly WHERE hour < ?', hourStartMs(now) - USAGE_RETENTION_MS);
}

/**
 * Usage of buckets whose hour starts in [from, to), summed per group (one total row without
 * groups; no row when nothing was recorded), sorted by hour, key, model, backend.
 */
export function queryUsage(sql: SqlStorage, tenant: string, query: UsageQuery): UsageRow[] {
  const asked = new Set(query.groupBy);
  const columns = GROUP_COLUMNS.filter(([group]) => asked.has(group))
    .map(([, column]) => column)
    .join(', ');
  const rows = sql
    .exec<SumRow>(
      `SELECT ${columns === '' ? '' : `${columns}, `}COUNT(*) AS buckets,
         SUM(requests) AS requests, SUM(prompt_tokens) AS prompt_tokens,
         SUM(completion_tokens) AS completion_tokens, SUM(cache_hits) AS cache_hits,
         SUM(errors) AS errors, SUM(latency_ms_sum) AS latency_ms_sum,
         MAX(latency_ms_max) AS latency_ms_max
       FROM usage_hourly WHERE hour >= ? AND hour < ?
       ${columns === '' ? '' : `GROUP BY ${columns} ORDER BY ${columns}`}`,
      query.from,
      query.to,
    )
    .toArray();
  return rows
    .filter((row) => row.buckets > 0)
    .map((row) => ({
      tenant,
      ...(asked.has('key') && { keyId: row.key_id }),
      ...(asked.has('model') && { model: row.model }),
      ...(asked.has('backend') && { backend: row.backend }),
      ...(asked.has('hour') && { hour: row.hour }),
      requests: row.requests,
      promptTokens: row.prompt_tokens,
      completionTokens: row.completion_tokens,
      cacheHits: row.cache_hits,
      errors: row.errors,
      latencyMsSum: row.latency_ms_sum,
      latencyMsMax: row.latency_ms_max,
    }));
}
