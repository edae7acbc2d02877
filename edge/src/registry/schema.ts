/** Registry tables. Safe to run at every construction. The Raft issue moves these facts into the log. */
export const REGISTRY_SCHEMA = `
CREATE TABLE IF NOT EXISTS api_keys (
  hash TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS node_tokens (
  hash TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS models (
  id TEXT PRIMARY KEY,
  first_seen INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (
  node_id TEXT PRIMARY KEY,
  models_json TEXT NOT NULL,
  engine TEXT NOT NULL,
  gpu TEXT NOT NULL,
  slots INTEGER NOT NULL,
  session INTEGER NOT NULL,
  connected INTEGER NOT NULL,
  draining INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
`;
