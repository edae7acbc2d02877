import { mergeLimits } from '@proxima/core/limits';
import { parseOrThrow } from '@proxima/core/protocol';
import { refusalError } from '@proxima/core/registry';
import { Hono } from 'hono';
import { forgetCachedKeys } from '../../auth/require-api-key.ts';
import type { Env } from '../../env.ts';
import { registryClient } from '../../raft/client/registry.ts';
import { optionalJson } from './optional-json.ts';
import { limitsUpdate, tenantName } from './schemas.ts';

export const tenants = new Hono<{ Bindings: Env }>();

tenants.get('/', async (c) => {
  const registry = await registryClient(c.env);
  return c.json({ tenants: await registry.read({ type: 'tenants' }) });
});

/**
 * Sets a tenant's limits (creating the tenant): each field set, or null to remove it. Takes
 * effect within 1 s everywhere. The merge reads through ReadIndex first; two PATCHes of one
 * tenant at the same instant may each miss the other.
 */
tenants.patch('/:tenant', async (c) => {
  const tenant = parseOrThrow(tenantName, c.req.param('tenant'), "'tenant'");
  const body = parseOrThrow(limitsUpdate, await optionalJson(c.req.raw, c.env), 'request body');
  const registry = await registryClient(c.env);
  const current = await registry.read({ type: 'tenant', tenant });
  const limits = mergeLimits(current?.limits ?? {}, body.limits);
  const set = await registry.propose({
    v: 1,
    type: 'tenant.upsert',
    tenant,
    limits,
    at: Date.now(),
  });
  if (!set.ok) throw refusalError(set);
  forgetCachedKeys();
  return c.json({ tenant, limits });
});

/** Removes a tenant that has no keys (409 while it has any: revoke them first). */
tenants.delete('/:tenant', async (c) => {
  const tenant = parseOrThrow(tenantName, c.req.param('tenant'), "'tenant'");
  const registry = await registryClient(c.env);
  const removed = await registry.propose({ v: 1, type: 'tenant.remove', tenant });
  if (!removed.ok) throw refusalError(removed);
  forgetCachedKeys();
  return c.json({ tenant, removed: true });
});
