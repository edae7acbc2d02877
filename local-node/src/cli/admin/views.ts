import type { RateLimits, UsageGroup, UsageRow } from '@proxima/core/limits';
import { USAGE_GROUPS } from './flags.ts';

/**
 * What the edge's admin routes answer (edge/src/routes/admin/; the records' views are in
 * core/registry/views.ts, the nodes' in edge/src/presence/presence.ts). The edge is the contract;
 * these outlines are the CLI's own on purpose (an older or newer edge still prints), and the
 * checks only make sure an answer has the expected outline, so that a wrong --edge (some other
 * server) fails with a message instead of a broken table.
 */

export interface ApiKeyView {
  readonly id: string;
  readonly tenant: string;
  readonly name: string;
  readonly createdAt: number;
  /** ms since the epoch; null never expires. */
  readonly expiresAt: number | null;
  readonly limits: RateLimits;
  /** What the key may call: 'chat', 'models' (shown as given, so a newer edge's scope still prints). */
  readonly scopes: readonly string[];
}

export interface CreatedApiKey extends ApiKeyView {
  readonly key: string;
}

/** A rotation's answer: the new key, and the id of the one it replaced (now revoked). */
export interface RotatedApiKey extends CreatedApiKey {
  readonly revoked: string;
}

export interface RemovedTenant {
  readonly tenant: string;
  readonly removed: boolean;
}

export interface TenantView {
  readonly tenant: string;
  readonly limits: RateLimits;
  readonly keys: number;
}

export interface NodeTokenView {
  readonly id: string;
  readonly name: string;
  readonly nodeId: string | null;
  readonly createdAt: number;
  /** When the token was bound to its node id; null while unbound. */
  readonly boundAt: number | null;
}

export interface CreatedNodeToken extends NodeTokenView {
  readonly token: string;
}

export interface UsageReport {
  readonly from: string;
  readonly to: string;
  readonly groupBy: readonly UsageGroup[];
  readonly rows: readonly UsageRow[];
}

export interface RevokedNodeToken {
  readonly id: string;
  readonly revoked: boolean;
  readonly nodeId: string | null;
  readonly disconnected: boolean;
}

export interface LimitsSet {
  readonly limits: RateLimits;
}

/** A node as Presence knows it: connected now or not, and what it announced in its hello. */
export interface NodeView {
  readonly nodeId: string;
  readonly session: number;
  readonly models: readonly string[];
  readonly engine: string;
  readonly gpu: string;
  readonly slots: number;
  readonly connected: boolean;
  readonly draining: boolean;
  readonly updatedAt: number;
  /** The sentinel's verdict while connected (older edges send none). */
  readonly health?: 'healthy' | 'suspect' | 'gone' | null;
  /** The last heartbeat's load while connected (older edges send none). */
  readonly load?: { readonly inFlight: number; readonly queued: number } | null;
}

/** The edge answered 2xx, but not what the admin API answers. */
export class UnexpectedAnswerError extends Error {
  constructor(what: string) {
    super(`the edge's answer is not ${what}; is --edge the Proxima edge?`);
    this.name = 'UnexpectedAnswerError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `body` has each of `fields` with the given typeof (or `array`, `string[]`, `object`, `T|null`). */
export function hasFields(body: unknown, fields: Readonly<Record<string, string>>): boolean {
  if (!isRecord(body)) return false;
  return Object.entries(fields).every(([name, kind]) => {
    const value = body[name];
    if (kind === 'array') return Array.isArray(value);
    if (kind === 'string[]')
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    if (kind === 'object') return isRecord(value);
    if (kind === 'string|null') return value === null || typeof value === 'string';
    if (kind === 'number|null') return value === null || typeof value === 'number';
    return typeof value === kind;
  });
}

export function expectList<T>(
  body: unknown,
  field: string,
  item: Readonly<Record<string, string>>,
  what: string,
): T[] {
  if (!isRecord(body)) throw new UnexpectedAnswerError(what);
  const list = body[field];
  if (!Array.isArray(list) || !list.every((entry) => hasFields(entry, item)))
    throw new UnexpectedAnswerError(what);
  return list as T[];
}

export function expectObject<T>(
  body: unknown,
  fields: Readonly<Record<string, string>>,
  what: string,
): T {
  if (!hasFields(body, fields)) throw new UnexpectedAnswerError(what);
  return body as T;
}

const KEY = {
  id: 'string',
  tenant: 'string',
  name: 'string',
  createdAt: 'number',
  expiresAt: 'number|null',
  limits: 'object',
  scopes: 'string[]',
};
const TOKEN = {
  id: 'string',
  name: 'string',
  nodeId: 'string|null',
  createdAt: 'number',
  boundAt: 'number|null',
};
const NODE = {
  nodeId: 'string',
  session: 'number',
  models: 'string[]',
  engine: 'string',
  gpu: 'string',
  slots: 'number',
  connected: 'boolean',
  draining: 'boolean',
  updatedAt: 'number',
};
const USAGE_ROW = {
  tenant: 'string',
  requests: 'number',
  promptTokens: 'number',
  completionTokens: 'number',
  cacheHits: 'number',
  errors: 'number',
  latencyMsSum: 'number',
  latencyMsMax: 'number',
};

export const read = {
  keys: (body: unknown) => expectList<ApiKeyView>(body, 'keys', KEY, 'a list of API keys'),
  createdKey: (body: unknown) =>
    expectObject<CreatedApiKey>(body, { ...KEY, key: 'string' }, 'a created API key'),
  rotatedKey: (body: unknown) =>
    expectObject<RotatedApiKey>(
      body,
      { ...KEY, key: 'string', revoked: 'string' },
      'a rotated API key',
    ),
  tenants: (body: unknown) =>
    expectList<TenantView>(
      body,
      'tenants',
      { tenant: 'string', limits: 'object', keys: 'number' },
      'a list of tenants',
    ),
  removedTenant: (body: unknown) =>
    expectObject<RemovedTenant>(body, { tenant: 'string', removed: 'boolean' }, 'a removed tenant'),
  tokens: (body: unknown) =>
    expectList<NodeTokenView>(body, 'tokens', TOKEN, 'a list of node tokens'),
  createdToken: (body: unknown) =>
    expectObject<CreatedNodeToken>(body, { ...TOKEN, token: 'string' }, 'a created node token'),
  revokedToken: (body: unknown) =>
    expectObject<RevokedNodeToken>(
      body,
      { id: 'string', nodeId: 'string|null', disconnected: 'boolean' },
      'a revoked node token',
    ),
  limits: (body: unknown) => expectObject<LimitsSet>(body, { limits: 'object' }, 'a set of limits'),
  nodes: (body: unknown) => expectList<NodeView>(body, 'nodes', NODE, 'a list of nodes'),
  usage: (body: unknown) => {
    const report = expectObject<UsageReport>(
      body,
      { from: 'string', to: 'string', groupBy: 'array', rows: 'array' },
      'a usage report',
    );
    expectList<UsageRow>(body, 'rows', USAGE_ROW, 'a usage report');
    if (!report.groupBy.every((g) => (USAGE_GROUPS as readonly unknown[]).includes(g)))
      throw new UnexpectedAnswerError('a usage report');
    return report;
  },
};
