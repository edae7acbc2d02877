import type { NodeId } from '@proxima/core/raft';

/**
 * Which peer id this object is, fixed by its first use and kept in storage. Reading it touches
 * storage, which is what makes a stale instance of the same object fail rather than act.
 */
export class PeerIdentity {
  private readonly sql: SqlStorage;
  private cached: NodeId | null | undefined;

  constructor(storage: DurableObjectStorage) {
    this.sql = storage.sql;
    this.sql.exec('CREATE TABLE IF NOT EXISTS raft_identity (self INTEGER NOT NULL)');
  }

  read(): NodeId | null {
    const row = this.sql.exec<{ self: number }>('SELECT self FROM raft_identity').toArray()[0];
    this.cached = row?.self ?? null;
    return this.cached;
  }

  /** The id this object is bound to, binding it to `self` on first use. */
  bind(self: NodeId): NodeId {
    const current = this.read();
    if (current !== null) return current;
    this.sql.exec('INSERT INTO raft_identity (self) VALUES (?)', self);
    this.cached = self;
    return self;
  }
}
