import { mergeLimits } from '@proxima/core/limits';
import { parseOrThrow } from '@proxima/core/protocol';
import { Hono } from 'hono';
import { forgetCachedKeys } from '../../auth/require-api-key.ts';
import { registryStub, type Env } from '../../env.ts';
import { optionalJson } from './optional-json.ts';
import { limitsUpdate, tenantName } from './schemas.ts';

export const tenants = new Hono<{ Bindings: Env }>();

tenants.get('/', async (c) => c.json({ tenants: await registryStub(c.env).listTenants() }));

/** Sets a tenant's limits: each field set, or null to remove it. Applies within the auth cache TTL. */
tenants.patch('/:tenant', async (c) => {
  const tenant = parseOrThrow(tenantName, c.req.param('tenant'), "'tenant'");
  const body = parseOrThrow(limitsUpdate, await optionalJson(c.req.raw, c.env), 'request body');
  const registry = registryStub(c.env);
  const limits = mergeLimits(await registry.tenantLimits(tenant), body.limits);
  await registry.setTenantLimits(tenant, limits, Date.now());
  forgetCachedKeys();
  return c.json({ tenant, limits });
});
