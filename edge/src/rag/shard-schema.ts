/**
 * One LshShard's tables. Vectors are stored as int8 codes of the unit vector with their scale and
 * the original norm; chunk text only sealed (AES-GCM, by the Worker); terms as 32-bit hashes.
 */
export const SHARD_SCHEMA = `
CREATE TABLE IF NOT EXISTS shard_meta (
  k TEXT PRIMARY KEY,
  v TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
  row INTEGER PRIMARY KEY AUTOINCREMENT,
  doc TEXT NOT NULL,
  version INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  codes BLOB NOT NULL,
  scale REAL NOT NULL,
  norm REAL NOT NULL,
  terms BLOB NOT NULL,
  sealed BLOB NOT NULL,
  metadata TEXT NOT NULL,
  UNIQUE (doc, idx)
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks (doc);
-- AUTOINCREMENT: row ids only grow, so a split copies exactly the rows older than its start.
-- The trained IVF cells, cut into rows of at most 1 MB (a row may hold 2 MB).
CREATE TABLE IF NOT EXISTS cells (
  part INTEGER PRIMARY KEY,
  bytes BLOB NOT NULL
);
`;
