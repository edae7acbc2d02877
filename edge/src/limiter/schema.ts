/**
 * Limiter tables, one database per tenant. Safe to run at every construction. A later change to
 * these tables adds a migration keyed on the highest row of schema_version.
 */
export const LIMITER_SCHEMA_VERSION = 1;

export const LIMITER_SCHEMA = `
CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER PRIMARY KEY
);
INSERT INTO schema_version (version) VALUES (${LIMITER_SCHEMA_VERSION}) ON CONFLICT DO NOTHING;
-- One row per scope: 'tenant', or 'key:<key id>'. TATs are float ms (GCRA needs fractions).
CREATE TABLE IF NOT EXISTS scopes (
  scope TEXT PRIMARY KEY,
  requests_tat REAL NOT NULL,
  tokens_tat REAL NOT NULL,
  tokens_per_minute INTEGER,
  day TEXT NOT NULL,
  day_tokens INTEGER NOT NULL,
  month TEXT NOT NULL,
  month_tokens INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS leases (
  id TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
-- Hourly usage buckets; hour is the bucket's start in ms since epoch.
CREATE TABLE IF NOT EXISTS usage_hourly (
  hour INTEGER NOT NULL,
  key_id TEXT NOT NULL,
  model TEXT NOT NULL,
  backend TEXT NOT NULL,
  requests INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cache_hits INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  latency_ms_sum INTEGER NOT NULL,
  latency_ms_max INTEGER NOT NULL,
  PRIMARY KEY (hour, key_id, model, backend)
) WITHOUT ROWID;
`;
