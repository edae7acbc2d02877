import {
  rateLimitsSchema,
  toRateLimits,
  type LimitScopes,
  type RateLimits,
} from '@proxima/core/limits';
import { keyIdOf, tokenIdOf } from '@proxima/core/registry';

/** What an API key resolves to on the hot path. */
export interface AuthRecord {
  readonly tenant: string;
  readonly keyId: string;
  readonly keyName: string;
  readonly limits: LimitScopes;
}

export interface ApiKeyView {
  readonly id: string;
  readonly tenant: string;
  readonly name: string;
  readonly createdAt: number;
  readonly limits: RateLimits;
}

export interface NodeTokenView {
  readonly id: string;
  readonly name: string;
  /** The node id this token is bound to; null until its first connection binds it. */
  readonly nodeId: string | null;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

export interface TenantView {
  readonly tenant: string;
  readonly limits: RateLimits;
  readonly keys: number;
}

export type NodeTokenCheck =
  | { readonly ok: true; readonly tokenId: string }
  | { readonly ok: false; readonly reason: 'unknown' }
  | { readonly ok: false; readonly reason: 'bound_elsewhere' | 'id_taken' };

/** Limits as stored; a row that no longer validates (a hand edit, an old format) counts as none. */
export function parseLimits(json: string): RateLimits {
  try {
    const parsed = rateLimitsSchema.safeParse(JSON.parse(json));
    return parsed.success ? toRateLimits(parsed.data) : {};
  } catch {
    return {};
  }
}

/** Keys, node tokens and tenants in the registry's SQLite. Secrets are only ever stored hashed. */
export class Credentials {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  authenticate(keyHash: string): AuthRecord | null {
    const row = this.sql
      .exec<{
        id: string;
        tenant: string;
        name: string;
        limits_json: string;
        tenant_limits: string | null;
      }>(
        `SELECT k.id, k.tenant, k.name, k.limits_json, t.limits_json AS tenant_limits
         FROM api_keys k LEFT JOIN tenants t ON t.name = k.tenant WHERE k.hash = ?`,
        keyHash,
      )
      .toArray()[0];
    if (!row) return null;
    return {
      tenant: row.tenant,
      keyId: row.id,
      keyName: row.name,
      limits: { tenant: parseLimits(row.tenant_limits ?? '{}'), key: parseLimits(row.limits_json) },
    };
  }

  /** Null when the key already exists (under any tenant). */
  addApiKey(
    keyHash: string,
    tenant: string,
    name: string,
    limits: RateLimits,
    now: number,
  ): ApiKeyView | null {
    const id = keyIdOf(keyHash);
    const cursor = this.sql.exec(
      `INSERT INTO api_keys (hash, id, tenant, name, limits_json, created_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      keyHash,
      id,
      tenant,
      name,
      JSON.stringify(limits),
      now,
    );
    return cursor.rowsWritten > 0 ? { id, tenant, name, createdAt: now, limits } : null;
  }

  listApiKeys(tenant: string | null): ApiKeyView[] {
    const rows = this.sql
      .exec<{ id: string; tenant: string; name: string; created_at: number; limits_json: string }>(
        `SELECT id, tenant, name, created_at, limits_json FROM api_keys
         WHERE ?1 IS NULL OR tenant = ?1 ORDER BY tenant, created_at, id`,
        tenant,
      )
      .toArray();
    return rows.map((r) => ({
      id: r.id,
      tenant: r.tenant,
      name: r.name,
      createdAt: r.created_at,
      limits: parseLimits(r.limits_json),
    }));
  }

  revokeApiKey(id: string): boolean {
    return this.sql.exec('DELETE FROM api_keys WHERE id = ?', id).rowsWritten > 0;
  }

  setKeyLimits(id: string, limits: RateLimits): boolean {
    const cursor = this.sql.exec(
      'UPDATE api_keys SET limits_json = ? WHERE id = ?',
      JSON.stringify(limits),
      id,
    );
    return cursor.rowsWritten > 0;
  }

  keyLimits(id: string): RateLimits | null {
    const row = this.sql
      .exec<{ limits_json: string }>('SELECT limits_json FROM api_keys WHERE id = ?', id)
      .toArray()[0];
    return row ? parseLimits(row.limits_json) : null;
  }

  tenantLimits(tenant: string): RateLimits {
    const row = this.sql
      .exec<{ limits_json: string }>('SELECT limits_json FROM tenants WHERE name = ?', tenant)
      .toArray()[0];
    return row ? parseLimits(row.limits_json) : {};
  }

  setTenantLimits(tenant: string, limits: RateLimits, now: number): void {
    this.sql.exec(
      `INSERT INTO tenants (name, limits_json, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET limits_json = excluded.limits_json, updated_at = excluded.updated_at`,
      tenant,
      JSON.stringify(limits),
      now,
    );
  }

  /** Every tenant that has keys or limits. */
  listTenants(): TenantView[] {
    const rows = this.sql
      .exec<{ tenant: string; limits_json: string | null; keys: number }>(
        `SELECT n.tenant, t.limits_json, (SELECT count(*) FROM api_keys k WHERE k.tenant = n.tenant) AS keys
         FROM (SELECT tenant FROM api_keys UNION SELECT name AS tenant FROM tenants) n
         LEFT JOIN tenants t ON t.name = n.tenant ORDER BY n.tenant`,
      )
      .toArray();
    return rows.map((r) => ({
      tenant: r.tenant,
      limits: parseLimits(r.limits_json ?? '{}'),
      keys: r.keys,
    }));
  }

  /**
   * A token made with a node id is bound to it; one made without is bound by its first connection.
   * Null and a reason when the token or the node id is taken.
   */
  addNodeToken(
    tokenHash: string,
    name: string,
    nodeId: string | null,
    now: number,
  ): NodeTokenView | 'token_exists' | 'node_id_taken' {
    if (this.sql.exec('SELECT 1 FROM node_tokens WHERE hash = ?', tokenHash).toArray().length)
      return 'token_exists';
    if (nodeId !== null && this.boundTokenOf(nodeId) !== null) return 'node_id_taken';
    const id = tokenIdOf(tokenHash);
    this.sql.exec(
      'INSERT INTO node_tokens (hash, id, name, node_id, created_at) VALUES (?, ?, ?, ?, ?)',
      tokenHash,
      id,
      name,
      nodeId,
      now,
    );
    return { id, name, nodeId, createdAt: now, lastUsedAt: null };
  }

  /** Checks a connecting node's token against the node id it claims, binding an unbound token. */
  checkNodeToken(tokenHash: string, nodeId: string, now: number): NodeTokenCheck {
    const row = this.sql
      .exec<{ id: string; node_id: string | null }>(
        'SELECT id, node_id FROM node_tokens WHERE hash = ?',
        tokenHash,
      )
      .toArray()[0];
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.node_id !== null && row.node_id !== nodeId)
      return { ok: false, reason: 'bound_elsewhere' };
    if (row.node_id === null && this.boundTokenOf(nodeId) !== null)
      return { ok: false, reason: 'id_taken' };
    this.sql.exec(
      'UPDATE node_tokens SET node_id = ?, last_used_at = ? WHERE id = ?',
      nodeId,
      now,
      row.id,
    );
    return { ok: true, tokenId: row.id };
  }

  listNodeTokens(): NodeTokenView[] {
    return this.sql
      .exec<{
        id: string;
        name: string;
        node_id: string | null;
        created_at: number;
        last_used_at: number | null;
      }>(
        'SELECT id, name, node_id, created_at, last_used_at FROM node_tokens ORDER BY created_at, id',
      )
      .toArray()
      .map((r) => ({
        id: r.id,
        name: r.name,
        nodeId: r.node_id,
        createdAt: r.created_at,
        lastUsedAt: r.last_used_at,
      }));
  }

  /** Deletes the token; returns what it was bound to (so the caller can cut that node), or undefined if unknown. */
  revokeNodeToken(id: string): { nodeId: string | null } | undefined {
    const row = this.sql
      .exec<{ node_id: string | null }>('SELECT node_id FROM node_tokens WHERE id = ?', id)
      .toArray()[0];
    if (!row) return undefined;
    this.sql.exec('DELETE FROM node_tokens WHERE id = ?', id);
    return { nodeId: row.node_id };
  }

  private boundTokenOf(nodeId: string): string | null {
    const row = this.sql
      .exec<{ id: string }>('SELECT id FROM node_tokens WHERE node_id = ?', nodeId)
      .toArray()[0];
    return row?.id ?? null;
  }
}
