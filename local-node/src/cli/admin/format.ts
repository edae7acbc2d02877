import type { RateLimits, UsageGroup, UsageRow } from '@proxima/core/limits';
import { LIMIT_FLAGS } from './flags.ts';
import type { ApiKeyView, NodeTokenView, NodeView, TenantView, UsageReport } from './views.ts';

/** Readable output of `proxima admin`: aligned tables and one-line summaries. Pure: strings in, string out. */

interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string;
  readonly right?: boolean;
}

export function table<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((line) => (line[i] ?? '').length)),
  );
  const render = (line: readonly string[]) =>
    line
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        return columns[i]?.right ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [render(columns.map((c) => c.header)), ...cells.map((line) => render(line)), ''].join(
    '\n',
  );
}

/** UTC, to the second: 2025-01-31 09:00:00Z. */
export function time(ms: number | null): string {
  if (ms === null) return '-';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

const count = (n: number) => n.toLocaleString('en-US');

/** In the flags' own names, so what is printed can be pasted back: "rpm=60 tpm=100,000". */
export function limits(value: RateLimits): string {
  const parts = LIMIT_FLAGS.flatMap(({ flag, name }) => {
    const limit = value[name];
    return limit === undefined ? [] : [`${flag}=${count(limit)}`];
  });
  return parts.length === 0 ? 'none' : parts.join(' ');
}

const GROUP_COLUMNS: Record<UsageGroup, Column<UsageRow>> = {
  key: { header: 'KEY', value: (r) => r.keyId ?? '-' },
  model: { header: 'MODEL', value: (r) => r.model ?? '-' },
  backend: { header: 'BACKEND', value: (r) => r.backend ?? '-' },
  hour: { header: 'HOUR', value: (r) => (r.hour === undefined ? '-' : time(r.hour)) },
};

export function usage(report: UsageReport): string {
  const range = `from ${time(Date.parse(report.from))} to ${time(Date.parse(report.to))}`;
  if (report.rows.length === 0) return `No usage ${range}.\n`;
  const columns: Column<UsageRow>[] = [
    { header: 'TENANT', value: (r) => r.tenant },
    ...report.groupBy.map((g) => GROUP_COLUMNS[g]),
    { header: 'REQUESTS', value: (r) => count(r.requests), right: true },
    { header: 'PROMPT_TOKENS', value: (r) => count(r.promptTokens), right: true },
    { header: 'COMPLETION_TOKENS', value: (r) => count(r.completionTokens), right: true },
    { header: 'CACHE_HITS', value: (r) => count(r.cacheHits), right: true },
    { header: 'ERRORS', value: (r) => count(r.errors), right: true },
    {
      header: 'MEAN_MS',
      value: (r) => (r.requests === 0 ? '-' : count(Math.round(r.latencyMsSum / r.requests))),
      right: true,
    },
    { header: 'MAX_MS', value: (r) => count(r.latencyMsMax), right: true },
  ];
  return `Usage ${range} (UTC):\n${table(columns, report.rows)}`;
}

/** "never", or the time, marked when it has passed (an expired key is listed until revoked). */
export function expiry(expiresAt: number | null, now: number): string {
  if (expiresAt === null) return 'never';
  return now >= expiresAt ? `${time(expiresAt)} (expired)` : time(expiresAt);
}

/** In the flags' own syntax, as --scopes takes it: "chat,models". */
export const scopes = (value: readonly string[]) => value.join(',');

/** "tenant acme, name ci; scopes chat,models; expires never; limits: rpm=60" */
export function keySummary(key: ApiKeyView, now: number): string {
  return (
    `tenant ${key.tenant}, name ${key.name}; scopes ${scopes(key.scopes)}; ` +
    `expires ${expiry(key.expiresAt, now)}; limits: ${limits(key.limits)}`
  );
}

export function keys(list: readonly ApiKeyView[], now: number): string {
  if (list.length === 0) return 'No API keys.\n';
  return table<ApiKeyView>(
    [
      { header: 'ID', value: (k) => k.id },
      { header: 'TENANT', value: (k) => k.tenant },
      { header: 'NAME', value: (k) => k.name },
      { header: 'SCOPES', value: (k) => scopes(k.scopes) },
      { header: 'CREATED', value: (k) => time(k.createdAt) },
      { header: 'EXPIRES', value: (k) => expiry(k.expiresAt, now) },
      { header: 'LIMITS', value: (k) => limits(k.limits) },
    ],
    list,
  );
}

export function tenants(list: readonly TenantView[]): string {
  if (list.length === 0) return 'No tenants (a tenant appears with its first key or limit).\n';
  return table<TenantView>(
    [
      { header: 'TENANT', value: (t) => t.tenant },
      { header: 'KEYS', value: (t) => count(t.keys), right: true },
      { header: 'LIMITS', value: (t) => limits(t.limits) },
    ],
    list,
  );
}

export function nodeTokens(list: readonly NodeTokenView[]): string {
  if (list.length === 0) return 'No node tokens.\n';
  return table<NodeTokenView>(
    [
      { header: 'ID', value: (t) => t.id },
      { header: 'NAME', value: (t) => t.name },
      { header: 'NODE', value: (t) => t.nodeId ?? '(unbound)' },
      { header: 'CREATED', value: (t) => time(t.createdAt) },
      { header: 'BOUND', value: (t) => time(t.boundAt) },
    ],
    list,
  );
}

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

export function nodes(list: readonly NodeView[]): string {
  if (list.length === 0)
    return 'No nodes: none has connected yet (a node connects with a token from node-tokens create).\n';
  return table<NodeView>(
    [
      { header: 'NODE', value: (n) => n.nodeId },
      { header: 'CONNECTED', value: (n) => yesNo(n.connected) },
      { header: 'DRAINING', value: (n) => yesNo(n.draining) },
      { header: 'HEALTH', value: (n) => n.health ?? '-' },
      {
        header: 'LOAD',
        // Jobs running of its slots, and waiting: what routing weighs.
        value: (n) => (n.load ? `${n.load.inFlight}/${n.slots}+${n.load.queued}` : '-'),
      },
      { header: 'MODELS', value: (n) => (n.models.length === 0 ? '-' : n.models.join(',')) },
      { header: 'ENGINE', value: (n) => n.engine || '-' },
      { header: 'GPU', value: (n) => n.gpu || '-' },
      { header: 'SLOTS', value: (n) => count(n.slots), right: true },
      { header: 'UPDATED', value: (n) => time(n.updatedAt) },
    ],
    list,
  );
}
