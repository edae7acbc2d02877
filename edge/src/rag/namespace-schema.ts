/**
 * One RagNamespace's tables: the catalogue of documents (a deleted one stays as a tombstone so
 * its next version is still higher), which shards hold each document's chunks, and the size of
 * each shard.
 */
export const NAMESPACE_SCHEMA = `
CREATE TABLE IF NOT EXISTS ns_meta (
  k TEXT PRIMARY KEY,
  v TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  chunks INTEGER NOT NULL,
  format TEXT NOT NULL,
  metadata TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deleted INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS doc_shards (
  doc TEXT NOT NULL,
  shard TEXT NOT NULL,
  PRIMARY KEY (doc, shard)
);
CREATE INDEX IF NOT EXISTS doc_shards_shard ON doc_shards (shard);
CREATE TABLE IF NOT EXISTS shard_rows (
  shard TEXT PRIMARY KEY,
  rows INTEGER NOT NULL
);
`;
