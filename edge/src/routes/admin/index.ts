import { parseOrThrow } from '@proxima/core/protocol';
import { Hono } from 'hono';
import * as z from 'zod';
import { AUDIT_PAGE_MAX, auditLogStub } from '../../dashboard/audit-log.ts';
import type { Env } from '../../env.ts';
import { apiKeys } from './api-keys.ts';
import { cacheAdmin } from './cache.ts';
import { nodeTokens } from './node-tokens.ts';
import { raft } from './raft.ts';
import { requireAdmin } from './require-admin.ts';
import { tenants } from './tenants.ts';
import { usage } from './usage.ts';
import { presenceStub } from '../../env.ts';
import { registryHandOver } from './hand-over.ts';
import { routing } from './routing.ts';

/**
 * The operator's API: keys, node tokens, tenants' limits, usage, nodes, the sentinel's alerts and
 * this isolate's routing memory. Every route needs ADMIN_TOKEN.
 */
export const admin = new Hono<{ Bindings: Env }>();

admin.use('/admin/*', requireAdmin);
admin.route('/admin/api-keys', apiKeys);
admin.route('/admin/node-tokens', nodeTokens);
admin.route('/admin/tenants', tenants);
admin.route('/admin/usage', usage);
admin.route('/admin/raft', raft);
admin.route('/admin/registry/hand-over', registryHandOver);
admin.route('/admin/routing', routing);
admin.route('/admin/cache', cacheAdmin);
admin.get('/admin/nodes', async (c) =>
  c.json({ nodes: await presenceStub(c.env).listNodes(Date.now()) }),
);
admin.get('/admin/alerts', async (c) => c.json(await presenceStub(c.env).alerts(Date.now())));
/** The dashboard's audited actions, newest first (`?limit=`, default 100, at most AUDIT_PAGE_MAX). */
admin.get('/admin/audit', async (c) => {
  const limit = parseOrThrow(
    z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX),
    c.req.query('limit') ?? '100',
    "'limit'",
  );
  return c.json({ entries: await auditLogStub(c.env).recent(limit) });
});
