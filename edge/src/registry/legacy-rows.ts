// The old registry's durable rows as the replicated-registry commands that recreate them. Read
// only: the old tables are kept as they are, as a backup.
import { rateLimitsSchema, toRateLimits, type RateLimits } from '@proxima/core/limits';
import { keyIdOf, tokenIdOf, type RegistryCommandInput } from '@proxima/core/registry';
import type { DroppedLimits, LegacyKind } from './hand-over-report.ts';

export interface LegacyRow {
  readonly kind: LegacyKind;
  /** The row's key in its old table (tenant name or hash): what the hand-over records as done. */
  readonly ref: string;
  /** What an operator sees: tenant name, key id or token id. */
  readonly id: string;
  readonly command: RegistryCommandInput;
  /** Set when the stored limits no longer validate and the row goes over with none. */
  readonly dropped: DroppedLimits | null;
}

const STORED_SHOWN = 200;

/** Tenants first (so keys find their limits in place), then keys, then node tokens. */
export function readLegacyRows(sql: SqlStorage): LegacyRow[] {
  return [...tenantRows(sql), ...keyRows(sql), ...nodeTokenRows(sql)];
}

function tenantRows(sql: SqlStorage): LegacyRow[] {
  const rows = sql
    .exec<{ name: string; limits_json: string; updated_at: number }>(
      'SELECT name, limits_json, updated_at FROM tenants ORDER BY name',
    )
    .toArray();
  return rows.map((r) => {
    const limits = parseStoredLimits('tenant', r.name, r.limits_json);
    return {
      kind: 'tenant',
      ref: r.name,
      id: r.name,
      command: {
        v: 1,
        type: 'tenant.upsert',
        tenant: r.name,
        limits: limits.limits,
        at: r.updated_at,
      },
      dropped: limits.dropped,
    };
  });
}

function keyRows(sql: SqlStorage): LegacyRow[] {
  const rows = sql
    .exec<{ hash: string; tenant: string; name: string; limits_json: string; created_at: number }>(
      'SELECT hash, tenant, name, limits_json, created_at FROM api_keys ORDER BY created_at, hash',
    )
    .toArray();
  return rows.map((r) => {
    const id = keyIdOf(r.hash);
    const limits = parseStoredLimits('key', id, r.limits_json);
    return {
      kind: 'key',
      ref: r.hash,
      id,
      // The old keys had no scopes and no expiry: the defaults (chat, models; never) match them.
      command: {
        v: 1,
        type: 'key.create',
        hash: r.hash,
        tenant: r.tenant,
        name: r.name,
        limits: limits.limits,
        at: r.created_at,
      },
      dropped: limits.dropped,
    };
  });
}

function nodeTokenRows(sql: SqlStorage): LegacyRow[] {
  const rows = sql
    .exec<{ hash: string; name: string; node_id: string | null; created_at: number }>(
      'SELECT hash, name, node_id, created_at FROM node_tokens ORDER BY created_at, hash',
    )
    .toArray();
  return rows.map((r) => ({
    kind: 'nodeToken',
    ref: r.hash,
    id: tokenIdOf(r.hash),
    // A bound token stays bound to its node id; an unbound one is bound by its next connection.
    command: {
      v: 1,
      type: 'node.enroll',
      hash: r.hash,
      name: r.name,
      ...(r.node_id === null ? {} : { nodeId: r.node_id }),
      at: r.created_at,
    },
    dropped: null,
  }));
}

/** The old code read limits that no longer validate as none; the hand-over does too, and says so. */
function parseStoredLimits(
  kind: 'tenant' | 'key',
  id: string,
  json: string,
): { limits: RateLimits; dropped: DroppedLimits | null } {
  try {
    const parsed = rateLimitsSchema.safeParse(JSON.parse(json));
    if (parsed.success) return { limits: toRateLimits(parsed.data), dropped: null };
  } catch {
    // not JSON: reported below like any other invalid value
  }
  return { limits: {}, dropped: { kind, id, stored: json.slice(0, STORED_SHOWN) } };
}
