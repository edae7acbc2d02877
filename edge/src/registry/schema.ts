/**
 * The old registry's tables, as numbered migrations: each runs once, in order, recorded in
 * schema_version, so a state directory from an older edge upgrades in place before its rows are
 * handed over to the replicated registry. Safe to run at every construction. Migrations 1 and 2
 * are the plain registry's own and must stay as they are; the old tables are kept as a backup.
 */
const MIGRATIONS: readonly string[] = [
  // 1: keys, node tokens, the model catalogue, nodes.
  `CREATE TABLE IF NOT EXISTS api_keys (
     hash TEXT PRIMARY KEY, tenant TEXT NOT NULL, name TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE TABLE IF NOT EXISTS node_tokens (
     hash TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE TABLE IF NOT EXISTS models (id TEXT PRIMARY KEY, first_seen INTEGER NOT NULL);
   CREATE TABLE IF NOT EXISTS nodes (
     node_id TEXT PRIMARY KEY, models_json TEXT NOT NULL, engine TEXT NOT NULL, gpu TEXT NOT NULL,
     slots INTEGER NOT NULL, session INTEGER NOT NULL, connected INTEGER NOT NULL,
     draining INTEGER NOT NULL, updated_at INTEGER NOT NULL);`,
  // 2: ids for listing and revocation, a node token bound to one node id, limits per key and
  // per tenant, and when a model was last served (a model unseen for long is unknown again).
  `ALTER TABLE api_keys ADD COLUMN id TEXT;
   UPDATE api_keys SET id = 'key_' || substr(hash, 1, 12);
   CREATE UNIQUE INDEX api_keys_id ON api_keys (id);
   ALTER TABLE api_keys ADD COLUMN limits_json TEXT NOT NULL DEFAULT '{}';
   ALTER TABLE node_tokens ADD COLUMN id TEXT;
   UPDATE node_tokens SET id = 'ntk_' || substr(hash, 1, 12);
   CREATE UNIQUE INDEX node_tokens_id ON node_tokens (id);
   ALTER TABLE node_tokens ADD COLUMN node_id TEXT;
   CREATE UNIQUE INDEX node_tokens_node_id ON node_tokens (node_id);
   ALTER TABLE node_tokens ADD COLUMN last_used_at INTEGER;
   CREATE TABLE tenants (name TEXT PRIMARY KEY, limits_json TEXT NOT NULL, updated_at INTEGER NOT NULL);
   ALTER TABLE models ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
   UPDATE models SET last_seen = first_seen;`,
  // 3: the hand-over to the replicated registry: each row handed over (so a retry never proposes
  // it again, which could undo a later revocation there), and the final report once all are.
  `CREATE TABLE handover_rows (
     kind TEXT NOT NULL, ref TEXT NOT NULL, done_at INTEGER NOT NULL, PRIMARY KEY (kind, ref));
   CREATE TABLE handover (
     id INTEGER PRIMARY KEY CHECK (id = 1), done_at INTEGER NOT NULL, report_json TEXT NOT NULL);`,
];

export const REGISTRY_SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the schema up to date; each migration commits with its version or not at all. */
export function migrateRegistry(storage: DurableObjectStorage): void {
  const sql = storage.sql;
  sql.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = sql.exec<{ version: number }>('SELECT version FROM schema_version').toArray()[0];
  if (!row) sql.exec('INSERT INTO schema_version (version) VALUES (0)');
  let version = row?.version ?? 0;
  // A state directory made before versioning has the v1 tables already.
  if (
    version === 0 &&
    sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'api_keys'").toArray().length
  )
    version = 1;
  for (; version < MIGRATIONS.length; version++) {
    const next = version + 1;
    const statements = MIGRATIONS[version] ?? '';
    storage.transactionSync(() => {
      sql.exec(statements);
      sql.exec('UPDATE schema_version SET version = ?', next);
    });
  }
  if (row?.version !== version) sql.exec('UPDATE schema_version SET version = ?', version);
}
