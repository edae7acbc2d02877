// Hot-path checks of credentials: pure lookups on a state, O(1) each. A hash is found by the id
// it determines, then compared whole.
import type { LimitScopes } from '../limits/types.ts';
import { bindingVerdict } from './binding.ts';
import type { Scope } from './fields.ts';
import { keyIdOf, tokenIdOf } from './ids.ts';
import type { RegistryState } from './state.ts';

/** What an API key resolves to. */
export interface AuthRecord {
  readonly tenant: string;
  readonly keyId: string;
  readonly keyName: string;
  readonly limits: LimitScopes;
  readonly scopes: readonly Scope[];
  readonly expiresAt: number | null;
}

/** The key with this SHA-256 hex, or null when there is none or it has expired at `now`. */
export function authenticate(
  state: RegistryState,
  keyHash: string,
  now: number,
): AuthRecord | null {
  const key = state.keys.get(keyIdOf(keyHash));
  if (!key || key.hash !== keyHash) return null;
  if (key.expiresAt !== null && now >= key.expiresAt) return null;
  return {
    tenant: key.tenant,
    keyId: key.id,
    keyName: key.name,
    limits: { tenant: state.tenants.get(key.tenant)?.limits ?? {}, key: key.limits },
    scopes: key.scopes,
    expiresAt: key.expiresAt,
  };
}

export type NodeTokenCheck =
  /** `bind`: the token is not bound yet; the caller proposes node.bind for this node id. */
  | { readonly ok: true; readonly tokenId: string; readonly bind: boolean }
  | { readonly ok: false; readonly reason: 'unknown' | 'bound_elsewhere' | 'id_taken' };

/** May a node that presents this token (as its SHA-256 hex) connect as `nodeId`? */
export function checkNodeToken(
  state: RegistryState,
  tokenHash: string,
  nodeId: string,
): NodeTokenCheck {
  const token = state.nodeTokens.get(tokenIdOf(tokenHash));
  if (!token || token.hash !== tokenHash) return { ok: false, reason: 'unknown' };
  const verdict = bindingVerdict(state, token, nodeId);
  return verdict.ok ? { ok: true, tokenId: token.id, bind: verdict.bind } : verdict;
}
