import { parseOrThrow, ProximaError, quote } from '@proxima/core/protocol';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import * as z from 'zod';
import { nodeSessionStub, presenceStub, type Env } from '../../env.ts';
import { readJsonBody } from '../../routes/read-json.ts';
import { AUDIT_PAGE_MAX, auditLogStub } from '../audit-log.ts';
import { audit } from './audit.ts';
import { requireSession, type SessionVariables } from './require-session.ts';
import { viaAdmin } from './via-admin.ts';

type Ctx = Context<{ Bindings: Env; Variables: SessionVariables }>;

/** Node ids as nodes announce them (core/protocol's hello rules allow at most this). */
const nodeIdParam = z.string().min(1).max(128);

/** The operator's actions: each one is audited with its outcome, whatever it was. */
export const actionRoutes = new Hono<{ Bindings: Env; Variables: SessionVariables }>();
actionRoutes.use('*', requireSession);

async function drainOrReadmit(c: Ctx, draining: boolean): Promise<Response> {
  const action = draining ? 'node.drain' : 'node.readmit';
  const nodeId = parseOrThrow(nodeIdParam, c.req.param('id'), 'node id');
  const record = (outcome: 'ok' | 'refused' | 'failed', detail: string) =>
    audit(c.env, { subject: c.var.session.subject, action, target: nodeId, outcome, detail });
  if (!(await presenceStub(c.env).knowsNode(nodeId))) {
    await record('refused', 'unknown node');
    throw new ProximaError('not_found', `No node ${quote(nodeId)} has ever connected.`, {
      param: 'id',
    });
  }
  try {
    const { connected } = await nodeSessionStub(c.env, nodeId).setOperatorDrain(draining);
    await record('ok', connected ? 'connected' : 'not connected: applies when it connects');
    return c.json({ nodeId, draining, connected });
  } catch (err) {
    await record('failed', String(err).slice(0, 500));
    throw err;
  }
}

actionRoutes.post('/nodes/:id/drain', (c) => drainOrReadmit(c, true));
actionRoutes.post('/nodes/:id/readmit', (c) => drainOrReadmit(c, false));

/** Answers what the admin route answered, auditing it under `action`. */
async function adminAction(
  c: Ctx,
  action: string,
  target: string,
  method: 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<Response> {
  const { status, json } = await viaAdmin(c, method, path, body);
  const outcome = status < 300 ? 'ok' : status < 500 ? 'refused' : 'failed';
  const error = typeof json === 'object' && json !== null && 'error' in json ? json.error : null;
  const message =
    typeof error === 'object' &&
    error !== null &&
    'message' in error &&
    typeof error.message === 'string'
      ? error.message
      : '';
  await audit(c.env, {
    subject: c.var.session.subject,
    action,
    target,
    outcome,
    detail: outcome === 'ok' ? '' : `${status}: ${message}`.slice(0, 1000),
  });
  return c.json(json as object, status as ContentfulStatusCode);
}

actionRoutes.get('/keys', async (c) => {
  const { status, json } = await viaAdmin(c, 'GET', '/admin/api-keys');
  return c.json(json as object, status as ContentfulStatusCode);
});

actionRoutes.get('/node-tokens', async (c) => {
  const { status, json } = await viaAdmin(c, 'GET', '/admin/node-tokens');
  return c.json(json as object, status as ContentfulStatusCode);
});

/** Creates a key for a tenant; the answer holds the secret, shown once and never audited. */
actionRoutes.post('/keys', async (c) => {
  const body = await readJsonBody(c.req.raw, c.env);
  const tenant =
    typeof body === 'object' && body !== null && 'tenant' in body ? String(body.tenant) : '?';
  return adminAction(
    c,
    'key.create',
    `tenant ${tenant}`.slice(0, 500),
    'POST',
    '/admin/api-keys',
    body,
  );
});

actionRoutes.delete('/keys/:id', (c) => {
  const id = c.req.param('id');
  return adminAction(c, 'key.revoke', id, 'DELETE', `/admin/api-keys/${encodeURIComponent(id)}`);
});

actionRoutes.delete('/node-tokens/:id', (c) => {
  const id = c.req.param('id');
  return adminAction(
    c,
    'node-token.revoke',
    id,
    'DELETE',
    `/admin/node-tokens/${encodeURIComponent(id)}`,
  );
});

actionRoutes.get('/audit', async (c) => {
  const raw = c.req.query('limit') ?? '100';
  const limit = parseOrThrow(z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX), raw, "'limit'");
  return c.json({ entries: await auditLogStub(c.env).recent(limit) });
});
