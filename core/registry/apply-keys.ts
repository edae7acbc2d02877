// key.create, key.rotate, key.revoke, key.setLimits.
import { quote } from '../protocol/limits.ts';
import type { CommandOf } from './commands.ts';
import { keyIdOf } from './ids.ts';
import { accepted, ALREADY_REGISTERED, refused, type Applied } from './result.ts';
import type { KeyRecord, RegistryState } from './state.ts';
import { withEntry, withoutEntry } from './tables.ts';
import { keyView, type KeyView } from './views.ts';

/** Why a key with this hash cannot be added, or null. */
function clash(state: RegistryState, hash: string): string | null {
  const existing = state.keys.get(keyIdOf(hash));
  if (!existing) return null;
  return existing.hash === hash
    ? ALREADY_REGISTERED.key_exists
    : `Key id ${existing.id} is taken by another key (same hash prefix); generate a new key.`;
}

function expiredMessage(expiresAt: number, at: number): string {
  return `expiresAt ${expiresAt} is not after ${at} (ms since the epoch): the key would never authenticate.`;
}

/** A key of a tenant not yet in the registry creates that tenant, with no limits of its own. */
export function createKey(state: RegistryState, cmd: CommandOf<'key.create'>): Applied<KeyView> {
  const problem = clash(state, cmd.hash);
  if (problem !== null) return refused(state, 'key_exists', problem);
  const expiresAt = cmd.expiresAt ?? null;
  if (expiresAt !== null && expiresAt <= cmd.at)
    return refused(state, 'already_expired', expiredMessage(expiresAt, cmd.at));
  const record: KeyRecord = {
    id: keyIdOf(cmd.hash),
    hash: cmd.hash,
    tenant: cmd.tenant,
    name: cmd.name,
    limits: cmd.limits,
    scopes: cmd.scopes,
    createdAt: cmd.at,
    expiresAt,
  };
  const tenants = state.tenants.has(cmd.tenant)
    ? state.tenants
    : withEntry(state.tenants, cmd.tenant, {
        name: cmd.tenant,
        limits: {},
        createdAt: cmd.at,
        updatedAt: cmd.at,
      });
  return accepted(
    { ...state, tenants, keys: withEntry(state.keys, record.id, record) },
    keyView(record),
  );
}

/** Replaces a key's secret: the old id stops authenticating as the new one starts. */
export function rotateKey(
  state: RegistryState,
  cmd: CommandOf<'key.rotate'>,
): Applied<{ readonly revoked: string; readonly key: KeyView }> {
  const old = state.keys.get(cmd.id);
  if (!old) return refused(state, 'not_found', `No API key ${quote(cmd.id)}.`);
  const problem = clash(state, cmd.hash);
  if (problem !== null) return refused(state, 'key_exists', problem);
  const expiresAt = cmd.expiresAt ?? old.expiresAt;
  if (expiresAt !== null && expiresAt <= cmd.at)
    return refused(state, 'already_expired', expiredMessage(expiresAt, cmd.at));
  const record: KeyRecord = {
    ...old,
    id: keyIdOf(cmd.hash),
    hash: cmd.hash,
    createdAt: cmd.at,
    expiresAt,
  };
  const keys = withEntry(withoutEntry(state.keys, old.id), record.id, record);
  return accepted({ ...state, keys }, { revoked: old.id, key: keyView(record) });
}

export function revokeKey(
  state: RegistryState,
  cmd: CommandOf<'key.revoke'>,
): Applied<{ readonly id: string; readonly tenant: string }> {
  const key = state.keys.get(cmd.id);
  if (!key) return refused(state, 'not_found', `No API key ${quote(cmd.id)}.`);
  return accepted(
    { ...state, keys: withoutEntry(state.keys, cmd.id) },
    { id: key.id, tenant: key.tenant },
  );
}

/** Replaces the key's limits (whole: a patch is merged by the proposer). */
export function setKeyLimits(
  state: RegistryState,
  cmd: CommandOf<'key.setLimits'>,
): Applied<KeyView> {
  const key = state.keys.get(cmd.id);
  if (!key) return refused(state, 'not_found', `No API key ${quote(cmd.id)}.`);
  const record: KeyRecord = { ...key, limits: cmd.limits };
  return accepted({ ...state, keys: withEntry(state.keys, key.id, record) }, keyView(record));
}
