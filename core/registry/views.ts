// What operators and adapters see of the registry's records: no hashes, stable order.
import type { RateLimits } from '../limits/types.ts';
import type { Scope } from './fields.ts';
import type {
  KeyRecord,
  ModelRecord,
  NodeTokenRecord,
  RegistryState,
  TenantRecord,
} from './state.ts';
import { compareStrings } from './tables.ts';

export interface KeyView {
  readonly id: string;
  readonly tenant: string;
  readonly name: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly limits: RateLimits;
  readonly scopes: readonly Scope[];
}

export interface TenantView {
  readonly tenant: string;
  readonly limits: RateLimits;
  /** How many API keys it has. */
  readonly keys: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NodeTokenView {
  readonly id: string;
  readonly name: string;
  /** The node id this token is bound to; null until its first connection binds it. */
  readonly nodeId: string | null;
  readonly createdAt: number;
  readonly boundAt: number | null;
}

export interface ModelView {
  readonly id: string;
  readonly firstSeen: number;
  /** The latest time any node announced it. */
  readonly lastSeen: number;
}

export function keyView(k: KeyRecord): KeyView {
  return {
    id: k.id,
    tenant: k.tenant,
    name: k.name,
    createdAt: k.createdAt,
    expiresAt: k.expiresAt,
    limits: k.limits,
    scopes: k.scopes,
  };
}

export function tenantView(t: TenantRecord, keys: number): TenantView {
  return {
    tenant: t.name,
    limits: t.limits,
    keys,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

export function nodeTokenView(t: NodeTokenRecord): NodeTokenView {
  return {
    id: t.id,
    name: t.name,
    nodeId: t.nodeId,
    createdAt: t.createdAt,
    boundAt: t.boundAt,
  };
}

/** Keys of one tenant, or of all when `tenant` is null; by tenant, then creation, then id. */
export function listKeys(state: RegistryState, tenant: string | null = null): KeyView[] {
  const out: KeyView[] = [];
  for (const k of state.keys.values())
    if (tenant === null || k.tenant === tenant) out.push(keyView(k));
  return out.sort(
    (a, b) =>
      compareStrings(a.tenant, b.tenant) || a.createdAt - b.createdAt || compareStrings(a.id, b.id),
  );
}

/** How many keys each tenant has. */
export function keyCounts(state: RegistryState): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of state.keys.values()) counts.set(k.tenant, (counts.get(k.tenant) ?? 0) + 1);
  return counts;
}

export function listTenants(state: RegistryState): TenantView[] {
  const counts = keyCounts(state);
  return [...state.tenants.values()]
    .sort((a, b) => compareStrings(a.name, b.name))
    .map((t) => tenantView(t, counts.get(t.name) ?? 0));
}

export function listNodeTokens(state: RegistryState): NodeTokenView[] {
  return [...state.nodeTokens.values()]
    .sort((a, b) => a.createdAt - b.createdAt || compareStrings(a.id, b.id))
    .map(nodeTokenView);
}

/** The whole catalogue, by id; whether a model is still known is knownModel's question. */
export function listModels(state: RegistryState): ModelView[] {
  return [...state.models.values()]
    .sort((a, b) => compareStrings(a.id, b.id))
    .map((m) => ({ id: m.id, firstSeen: m.firstSeen, lastSeen: lastSeen(m) }));
}

/** The latest time any node announced the model. */
export function lastSeen(model: ModelRecord): number {
  let last = model.firstSeen;
  for (const at of model.seenBy.values()) if (at > last) last = at;
  return last;
}
