/**
 * One tenant's cached answers. The prompt and the answer are sealed (AES-GCM under the tenant's
 * cache key); the scope is a SHA-256 hex digest; the vector is the prompt's embedding (f32).
 */
export const CACHE_SCHEMA = `
CREATE TABLE IF NOT EXISTS cache_meta (
  k TEXT PRIMARY KEY,
  v TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
  id TEXT PRIMARY KEY,
  scope TEXT NOT NULL,
  vector BLOB NOT NULL,
  prompt BLOB NOT NULL,
  answer BLOB NOT NULL,
  expires_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  tags TEXT NOT NULL,
  sources TEXT NOT NULL
);
`;
