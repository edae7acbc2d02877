import { FRESH_SCOPE, type Lease, type ScopeState } from '@proxima/core/limits';

/** The tenant's own scope row; keys' rows are 'key:<id>' (ids never contain that prefix alone). */
export const TENANT_SCOPE = 'tenant';

export function keyScope(keyId: string): string {
  return `key:${keyId}`;
}

interface ScopeRow extends Record<string, SqlStorageValue> {
  requests_tat: number;
  tokens_tat: number;
  tokens_per_minute: number | null;
  day: string;
  day_tokens: number;
  month: string;
  month_tokens: number;
}

interface LeaseRow extends Record<string, SqlStorageValue> {
  id: string;
  key_id: string;
  expires_at: number;
}

/** Scopes and leases in the Limiter's SQLite: plain reads and writes, no policy. */
export class LimiterStore {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  readScope(scope: string): ScopeState {
    const row = this.sql.exec<ScopeRow>('SELECT * FROM scopes WHERE scope = ?', scope).toArray()[0];
    if (!row) return FRESH_SCOPE;
    return {
      requestsTat: row.requests_tat,
      tokensTat: row.tokens_tat,
      tokensPerMinute: row.tokens_per_minute,
      day: row.day,
      dayTokens: row.day_tokens,
      month: row.month,
      monthTokens: row.month_tokens,
    };
  }

  writeScope(scope: string, s: ScopeState): void {
    this.sql.exec(
      `INSERT INTO scopes (scope, requests_tat, tokens_tat, tokens_per_minute, day, day_tokens, month, month_tokens)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (scope) DO UPDATE SET requests_tat = excluded.requests_tat,
         tokens_tat = excluded.tokens_tat, tokens_per_minute = excluded.tokens_per_minute,
         day = excluded.day, day_tokens = excluded.day_tokens, month = excluded.month,
         month_tokens = excluded.month_tokens`,
      scope,
      s.requestsTat,
      s.tokensTat,
      s.tokensPerMinute,
      s.day,
      s.dayTokens,
      s.month,
      s.monthTokens,
    );
  }

  /** Live leases; expired ones are deleted on the way. */
  readLeases(now: number): Lease[] {
    this.deleteExpiredLeases(now);
    return this.sql
      .exec<LeaseRow>('SELECT id, key_id, expires_at FROM leases')
      .toArray()
      .map((row) => ({ id: row.id, keyId: row.key_id, expiresAt: row.expires_at }));
  }

  insertLease(lease: Lease): void {
    this.sql.exec(
      'INSERT INTO leases (id, key_id, expires_at) VALUES (?, ?, ?)',
      lease.id,
      lease.keyId,
      lease.expiresAt,
    );
  }

  deleteLease(id: string): void {
    this.sql.exec('DELETE FROM leases WHERE id = ?', id);
  }

  /** Same rule as decide: a lease is dead from expiresAt on. */
  deleteExpiredLeases(now: number): void {
    this.sql.exec('DELETE FROM leases WHERE expires_at <= ?', now);
  }
}
