// tenant.upsert and tenant.remove.
import { quote } from '../protocol/limits.ts';
import type { CommandOf } from './commands.ts';
import { accepted, refused, type Applied } from './result.ts';
import type { RegistryState } from './state.ts';
import { withEntry, withoutEntry } from './tables.ts';
import { keyCounts, tenantView, type TenantView } from './views.ts';

/** Creates the tenant or replaces its limits (whole: a patch is merged by the proposer). */
export function upsertTenant(
  state: RegistryState,
  cmd: CommandOf<'tenant.upsert'>,
): Applied<TenantView> {
  const current = state.tenants.get(cmd.tenant);
  const record = {
    name: cmd.tenant,
    limits: cmd.limits,
    createdAt: current?.createdAt ?? cmd.at,
    updatedAt: cmd.at,
  };
  const next = { ...state, tenants: withEntry(state.tenants, cmd.tenant, record) };
  return accepted(next, tenantView(record, keyCounts(state).get(cmd.tenant) ?? 0));
}

/** Only a tenant without keys goes; its cache epoch stays, so a namesake never sees its cache. */
export function removeTenant(
  state: RegistryState,
  cmd: CommandOf<'tenant.remove'>,
): Applied<{ readonly tenant: string }> {
  if (!state.tenants.has(cmd.tenant))
    return refused(state, 'not_found', `No tenant ${quote(cmd.tenant)}.`);
  const keys = keyCounts(state).get(cmd.tenant) ?? 0;
  if (keys > 0) {
    return refused(
      state,
      'tenant_has_keys',
      `Tenant ${quote(cmd.tenant)} still has ${keys} API key${keys === 1 ? '' : 's'}; revoke ${keys === 1 ? 'it' : 'them'} first.`,
    );
  }
  return accepted(
    { ...state, tenants: withoutEntry(state.tenants, cmd.tenant) },
    { tenant: cmd.tenant },
  );
}
