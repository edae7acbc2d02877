/**
 * Raft storage tables, as numbered migrations recorded in raft_schema_version: each runs once, in
 * order, and commits with its version or not at all. Safe to run at every construction. Every
 * table starts with `raft_`, so this storage can share a database with the host object's tables.
 */
import type { ConfState } from '@proxima/core/raft';
import { encodeIds } from './codec.ts';

const MIGRATIONS: readonly string[] = [
  // 1: one state row (hard state, conf state, compaction point), the log, and the snapshot: one
  // meta row plus its bytes in chunks of at most 1 MiB (a row holds at most 2 MB).
  `CREATE TABLE IF NOT EXISTS raft_state (
     id INTEGER PRIMARY KEY CHECK (id = 0),
     term INTEGER NOT NULL, vote INTEGER NOT NULL, commit_index INTEGER NOT NULL,
     voters TEXT NOT NULL, learners TEXT NOT NULL,
     log_offset INTEGER NOT NULL, log_offset_term INTEGER NOT NULL);
   CREATE TABLE IF NOT EXISTS raft_log (
     idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, type INTEGER NOT NULL, data BLOB NOT NULL);
   CREATE TABLE IF NOT EXISTS raft_snapshot_meta (
     id INTEGER PRIMARY KEY CHECK (id = 0),
     idx INTEGER NOT NULL, term INTEGER NOT NULL, size INTEGER NOT NULL, chunks INTEGER NOT NULL);
   CREATE TABLE IF NOT EXISTS raft_snapshot_chunk (seq INTEGER PRIMARY KEY, data BLOB NOT NULL);`,
];

export const RAFT_SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the tables up to date and returns the schema version. */
export function migrateRaftStorage(storage: DurableObjectStorage): number {
  const sql = storage.sql;
  sql.exec('CREATE TABLE IF NOT EXISTS raft_schema_version (version INTEGER NOT NULL)');
  const row = sql.exec<{ version: number }>('SELECT version FROM raft_schema_version').toArray()[0];
  if (!row) sql.exec('INSERT INTO raft_schema_version (version) VALUES (0)');
  let version = row?.version ?? 0;
  for (; version < MIGRATIONS.length; version++) {
    const next = version + 1;
    const statements = MIGRATIONS[version] ?? '';
    storage.transactionSync(() => {
      sql.exec(statements);
      sql.exec('UPDATE raft_schema_version SET version = ?', next);
    });
  }
  return version;
}

/**
 * Writes the rows of empty storage (`confState` as the initial configuration, as MemoryStorage
 * takes it) and leaves existing rows alone.
 */
export function seedRaftStorage(sql: SqlStorage, confState: ConfState): void {
  sql.exec(
    `INSERT INTO raft_state
       (id, term, vote, commit_index, voters, learners, log_offset, log_offset_term)
     VALUES (0, 0, 0, 0, ?, ?, 0, 0) ON CONFLICT DO NOTHING`,
    encodeIds(confState.voters),
    encodeIds(confState.learners),
  );
  sql.exec(
    `INSERT INTO raft_snapshot_meta (id, idx, term, size, chunks)
     VALUES (0, 0, 0, 0, 0) ON CONFLICT DO NOTHING`,
  );
}
