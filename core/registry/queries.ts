// What the edge may ask of the registry's state: one validated query type per question, answered
// by a pure function. A peer runs a query on its state after a ReadIndex point is applied, so the
// answer is linearizable. Queries carry the asker's clock (`at`) where time matters: applying and
// querying never read one.
import * as z from 'zod';
import { parseOrThrow } from '../protocol/validation.ts';
import { authenticate, checkNodeToken, type AuthRecord, type NodeTokenCheck } from './auth.ts';
import {
  cacheScopeField,
  hashField,
  idField,
  keyIdField,
  labelField,
  modelIdField,
  timeField,
} from './fields.ts';
import { CONFIG_KEYS, type JsonValue } from './config.ts';
import { cacheEpoch, configValue, knownModel, resolveRoute, shardMap } from './lookups.ts';
import type { RegistryState, ShardMapRecord } from './state.ts';
import {
  keyCounts,
  keyView,
  listKeys,
  listModels,
  listNodeTokens,
  listTenants,
  tenantView,
  type KeyView,
  type ModelView,
  type NodeTokenView,
  type TenantView,
} from './views.ts';

const query = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.strictObject({ type: z.literal(type), ...shape });

const querySchema = z.discriminatedUnion('type', [
  query('auth', { hash: hashField, at: timeField }),
  query('authVersion', {}),
  query('nodeToken', { hash: hashField, nodeId: idField }),
  query('keys', { tenant: labelField.nullable() }),
  query('key', { id: keyIdField }),
  query('tenants', {}),
  query('tenant', { tenant: labelField }),
  query('nodeTokens', {}),
  query('models', {}),
  query('knownModel', { id: modelIdField, at: timeField }),
  query('route', { model: modelIdField }),
  query('setting', { key: z.enum(CONFIG_KEYS) }),
  query('clusterVersion', {}),
  query('shardMap', { namespace: idField }),
  query('shardMaps', {}),
  query('cacheEpoch', { scope: cacheScopeField }),
]);

export type RegistryQuery = z.output<typeof querySchema>;
export type QueryType = RegistryQuery['type'];

/** What each query answers. */
export interface QueryAnswers {
  /** The key's record (null: unknown or expired), and the authVersion it was read at. */
  readonly auth: { readonly record: AuthRecord | null; readonly authVersion: number };
  readonly authVersion: number;
  readonly nodeToken: NodeTokenCheck;
  readonly keys: KeyView[];
  readonly key: KeyView | null;
  readonly tenants: TenantView[];
  readonly tenant: TenantView | null;
  readonly nodeTokens: NodeTokenView[];
  readonly models: ModelView[];
  readonly knownModel: boolean;
  /** The model id that requests for `model` go to (itself when it is not an alias). */
  readonly route: string;
  /** A setting's value in force (the one set, else its default). */
  readonly setting: JsonValue;
  readonly clusterVersion: number;
  /** A RAG namespace's shard map (null: never set). */
  readonly shardMap: ShardMapRecord | null;
  /** Every shard map, in namespace order (the dashboard lists RAG namespaces from it). */
  readonly shardMaps: ({ readonly namespace: string } & ShardMapRecord)[];
  /** How many times a cache scope ('*' or a tenant) was flushed; part of every cache key. */
  readonly cacheEpoch: number;
}

export type QueryOf<T extends QueryType> = Extract<RegistryQuery, { readonly type: T }>;
export type AnswerOf<Q extends RegistryQuery> = QueryAnswers[Q['type']];

/** A query from outside (an RPC argument); a ProximaError (400) names the fault. */
export function parseQuery(value: unknown): RegistryQuery {
  return parseOrThrow(querySchema, value, 'registry query');
}

const ANSWER: { readonly [T in QueryType]: (s: RegistryState, q: QueryOf<T>) => QueryAnswers[T] } =
  {
    auth: (s, q) => ({ record: authenticate(s, q.hash, q.at), authVersion: s.authVersion }),
    authVersion: (s) => s.authVersion,
    nodeToken: (s, q) => checkNodeToken(s, q.hash, q.nodeId),
    keys: (s, q) => listKeys(s, q.tenant),
    key: (s, q) => {
      const k = s.keys.get(q.id);
      return k ? keyView(k) : null;
    },
    tenants: (s) => listTenants(s),
    tenant: (s, q) => {
      const t = s.tenants.get(q.tenant);
      return t ? tenantView(t, keyCounts(s).get(t.name) ?? 0) : null;
    },
    nodeTokens: (s) => listNodeTokens(s),
    models: (s) => listModels(s),
    knownModel: (s, q) => knownModel(s, q.id, q.at, configValue(s, 'models.memoryMs')),
    route: (s, q) => resolveRoute(s, q.model),
    setting: (s, q) => configValue(s, q.key),
    clusterVersion: (s) => s.clusterVersion,
    shardMap: (s, q) => shardMap(s, q.namespace),
    shardMaps: (s) =>
      [...s.shardMaps]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([namespace, m]) => ({ namespace, ...m })),
    cacheEpoch: (s, q) => cacheEpoch(s, q.scope),
  };

/** Answers a validated query on a state. */
export function runQuery<Q extends RegistryQuery>(state: RegistryState, q: Q): AnswerOf<Q> {
  const answer = ANSWER[q.type] as (s: RegistryState, q: Q) => AnswerOf<Q>;
  return answer(state, q);
}
