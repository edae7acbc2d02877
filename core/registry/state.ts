// What the replicated registry holds. Durable facts only: presence (who is connected, load,
// in-flight jobs) lives in NodeSession DOs and never enters the log.
//
// Representation: immutable, copy-on-write per table. A state is a record of ReadonlyMaps whose
// values are never mutated; applying a command copies only the table(s) it writes (O(size of that
// table)) and shares the rest. A refused command returns the very same state object. The cost, a
// Map copy of at most a few thousand entries per applied entry, is far below a Raft round trip,
// and in exchange the edge can keep reading one state while the next is built, tests can compare
// before and after, and nothing can change a state behind its holder's back.
//
// Map iteration order is insertion order, which differs between a replica that applied the log
// and one restored from a snapshot. So nothing here may depend on it: queries sort what they list,
// and the snapshot sorts every table.
import type { RateLimits } from '../limits/types.ts';
import type { ConfigKey, JsonValue } from './config.ts';
import type { Scope } from './fields.ts';

export interface TenantRecord {
  readonly name: string;
  readonly limits: RateLimits;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface KeyRecord {
  /** keyIdOf(hash). */
  readonly id: string;
  readonly hash: string;
  readonly tenant: string;
  readonly name: string;
  readonly limits: RateLimits;
  readonly scopes: readonly Scope[];
  readonly createdAt: number;
  /** The key authenticates while `now < expiresAt`; null never expires. */
  readonly expiresAt: number | null;
}

export interface NodeTokenRecord {
  /** tokenIdOf(hash). */
  readonly id: string;
  readonly hash: string;
  readonly name: string;
  /** The node id this token is bound to; null until its first connection binds it. */
  readonly nodeId: string | null;
  readonly createdAt: number;
  readonly boundAt: number | null;
}

export interface ModelRecord {
  readonly id: string;
  readonly firstSeen: number;
  /** Node id → when that node last announced the model. */
  readonly seenBy: ReadonlyMap<string, number>;
}

export interface ShardMapRecord {
  readonly version: number;
  readonly shards: readonly string[];
}

export interface RegistryState {
  readonly tenants: ReadonlyMap<string, TenantRecord>;
  /** By key id. Every key's tenant is in `tenants`. */
  readonly keys: ReadonlyMap<string, KeyRecord>;
  /** By token id. */
  readonly nodeTokens: ReadonlyMap<string, NodeTokenRecord>;
  /** Derived from nodeTokens (node id → bound token id): rebuilt on restore, never serialized. */
  readonly tokenOfNode: ReadonlyMap<string, string>;
  readonly models: ReadonlyMap<string, ModelRecord>;
  /** Model alias → target model id. One hop: no target is itself an alias. */
  readonly routes: ReadonlyMap<string, string>;
  /** Settings changed from their default; each value valid for its key. */
  readonly config: ReadonlyMap<ConfigKey, JsonValue>;
  /** Scope (a tenant, or '*') → how many times its cache was invalidated. Never decreases. */
  readonly cacheEpochs: ReadonlyMap<string, number>;
  /** LSH namespace → its shard map. */
  readonly shardMaps: ReadonlyMap<string, ShardMapRecord>;
  /**
   * How many accepted commands could have changed what an existing key authenticates as (a
   * revocation, a rotation, a change of limits). Edge caches of auth answers compare it to know
   * when to drop what they hold; a new key changes nothing cached, so it does not count.
   */
  readonly authVersion: number;
  /** The newest command version every voter applies: proposals of a newer one are refused. */
  readonly clusterVersion: number;
}

export function emptyState(): RegistryState {
  return {
    tenants: new Map(),
    keys: new Map(),
    nodeTokens: new Map(),
    tokenOfNode: new Map(),
    models: new Map(),
    routes: new Map(),
    config: new Map(),
    cacheEpochs: new Map(),
    shardMaps: new Map(),
    authVersion: 0,
    clusterVersion: 1,
  };
}

/** The node id → token index for a set of tokens (bound ones only). */
export function indexTokens(tokens: Iterable<NodeTokenRecord>): Map<string, string> {
  const index = new Map<string, string>();
  for (const t of tokens) if (t.nodeId !== null) index.set(t.nodeId, t.id);
  return index;
}
