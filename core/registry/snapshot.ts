// Snapshots of the registry's state: canonical JSON in UTF-8, so equal states give equal bytes on
// every peer (tables sorted by key, object keys sorted), versioned, and validated on restore.
import { ProximaError } from '../protocol/errors.ts';
import { parseOrThrow } from '../protocol/validation.ts';
import { canonicalJson } from './canonical-json.ts';
import { invariantViolation } from './invariants.ts';
import {
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  snapshotSchema,
  type SnapshotTables,
} from './snapshot-schema.ts';
import { indexTokens, type RegistryState } from './state.ts';
import { compareStrings } from './tables.ts';
import { decodeUtf8, encodeUtf8 } from '../protocol/utf8.ts';

/** A table's entries in key order. */
function sorted<K extends string, V>(table: ReadonlyMap<K, V>): [K, V][] {
  return [...table].sort(([a], [b]) => compareStrings(a, b));
}

export function encodeSnapshot(state: RegistryState): Uint8Array {
  const tables: SnapshotTables = {
    format: SNAPSHOT_FORMAT,
    v: SNAPSHOT_VERSION,
    tenants: sorted(state.tenants).map(([, t]) => t),
    keys: sorted(state.keys).map(([, k]) => ({ ...k, scopes: [...k.scopes] })),
    nodeTokens: sorted(state.nodeTokens).map(([, t]) => t),
    models: sorted(state.models).map(([, m]) => ({
      id: m.id,
      firstSeen: m.firstSeen,
      seenBy: sorted(m.seenBy).map(([nodeId, at]) => ({ nodeId, at })),
    })),
    routes: sorted(state.routes).map(([alias, target]) => ({ alias, target })),
    config: sorted(state.config).map(([key, value]) => ({ key, value })),
    cacheEpochs: sorted(state.cacheEpochs).map(([scope, epoch]) => ({ scope, epoch })),
    shardMaps: sorted(state.shardMaps).map(([namespace, m]) => ({
      namespace,
      version: m.version,
      shards: [...m.shards],
    })),
    authVersion: state.authVersion,
    clusterVersion: state.clusterVersion,
  };
  return encodeUtf8(canonicalJson(tables));
}

function corrupt(message: string): ProximaError {
  return new ProximaError('invalid_request', `Registry snapshot: ${message}`);
}

/** Builds a table, refusing a key that appears twice (a Map would silently keep the last). */
function table<K, V>(items: readonly V[], keyOf: (item: V) => K, what: string): Map<K, V> {
  const out = new Map<K, V>();
  for (const item of items) {
    const key = keyOf(item);
    if (out.has(key)) throw corrupt(`${what} ${String(key)} appears twice.`);
    out.set(key, item);
  }
  return out;
}

function mapValues<K, V, W>(source: ReadonlyMap<K, V>, f: (value: V) => W): Map<K, W> {
  const out = new Map<K, W>();
  for (const [key, value] of source) out.set(key, f(value));
  return out;
}

function parseTables(bytes: Uint8Array): SnapshotTables {
  const text = decodeUtf8(bytes);
  if (text === null) throw corrupt('not UTF-8.');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw corrupt('not JSON.');
  }
  try {
    return parseOrThrow(snapshotSchema, json, 'snapshot');
  } catch (err) {
    if (err instanceof ProximaError) throw corrupt(err.message);
    throw err;
  }
}

/** The state a snapshot holds; a ProximaError when it is corrupt, inconsistent or of another version. */
export function decodeSnapshot(bytes: Uint8Array): RegistryState {
  const t = parseTables(bytes);
  const nodeTokens = table(t.nodeTokens, (n) => n.id, 'node token');
  const state: RegistryState = {
    tenants: table(t.tenants, (x) => x.name, 'tenant'),
    keys: table(t.keys, (k) => k.id, 'key'),
    nodeTokens,
    tokenOfNode: indexTokens(nodeTokens.values()),
    models: mapValues(
      table(t.models, (m) => m.id, 'model'),
      (m) => ({
        id: m.id,
        firstSeen: m.firstSeen,
        seenBy: mapValues(
          table(m.seenBy, (s) => s.nodeId, `model ${m.id}'s node`),
          (s) => s.at,
        ),
      }),
    ),
    routes: mapValues(
      table(t.routes, (r) => r.alias, 'route'),
      (r) => r.target,
    ),
    config: mapValues(
      table(t.config, (c) => c.key, 'setting'),
      (c) => c.value,
    ),
    cacheEpochs: mapValues(
      table(t.cacheEpochs, (e) => e.scope, 'cache scope'),
      (e) => e.epoch,
    ),
    shardMaps: mapValues(
      table(t.shardMaps, (m) => m.namespace, 'shard map'),
      (m) => ({
        version: m.version,
        shards: m.shards,
      }),
    ),
    authVersion: t.authVersion,
    clusterVersion: t.clusterVersion,
  };
  const violation = invariantViolation(state);
  if (violation !== null) throw corrupt(`${violation}.`);
  return state;
}
