import { parseUsageParams, type UsageRow } from '@proxima/core/limits';
import { parseOrThrow } from '@proxima/core/protocol';
import { Hono } from 'hono';
import { limiterStub, type Env } from '../../env.ts';
import { registryClient } from '../../raft/client/registry.ts';
import { tenantName } from './schemas.ts';

export const usage = new Hono<{ Bindings: Env }>();

/**
 * Usage over a time range (`from`/`to` or `since`, default the last 24 h), per tenant, grouped by
 * any of key, model, backend and hour. Each tenant's Limiter holds its own ledger.
 */
usage.get('/', async (c) => {
  const query = parseUsageParams(
    {
      from: c.req.query('from'),
      to: c.req.query('to'),
      since: c.req.query('since'),
      groupBy: c.req.query('group_by'),
    },
    Date.now(),
  );
  const only = c.req.query('tenant');
  const tenants =
    only === undefined
      ? (await (await registryClient(c.env)).read({ type: 'tenants' })).map((t) => t.tenant)
      : [parseOrThrow(tenantName, only, "'tenant'")];
  const rows: UsageRow[] = [];
  for (const tenant of tenants)
    rows.push(...(await limiterStub(c.env, tenant).usage(tenant, query)));
  return c.json({
    from: new Date(query.from).toISOString(),
    to: new Date(query.to).toISOString(),
    groupBy: query.groupBy,
    rows,
  });
});
