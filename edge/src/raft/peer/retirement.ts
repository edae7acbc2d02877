import type { NodeId } from '@proxima/core/raft';

/**
 * Whether this object was removed from the registry group, kept in its own storage. A removed
 * peer never ticks again and never rejoins: its id is not reused, because its old log and vote
 * would come back with it. The rest of its storage stays as it was (an inert, stale copy).
 */
export class Retirement {
  private readonly sql: SqlStorage;
  /** Read once per instance: only `record` on this same instance can change it. */
  private cached: { readonly self: NodeId; readonly at: number } | null | undefined;

  constructor(storage: DurableObjectStorage) {
    this.sql = storage.sql;
    this.sql.exec(
      'CREATE TABLE IF NOT EXISTS raft_retired (self INTEGER NOT NULL, at INTEGER NOT NULL)',
    );
  }

  read(): { readonly self: NodeId; readonly at: number } | null {
    if (this.cached === undefined) {
      const row = this.sql
        .exec<{ self: number; at: number }>('SELECT self, at FROM raft_retired')
        .toArray()[0];
      this.cached = row ? { self: row.self, at: row.at } : null;
    }
    return this.cached;
  }

  record(self: NodeId, at: number): void {
    if (this.read() !== null) return;
    this.sql.exec('INSERT INTO raft_retired (self, at) VALUES (?, ?)', self, at);
    this.cached = { self, at };
  }
}
