import { parseOrThrow, ProximaError } from '@proxima/core/protocol';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import * as z from 'zod';
import { bearer, newSecret, sha256Hex } from '../auth/hash.ts';
import { registryStub, type Env } from '../env.ts';
import { readJsonBody } from './read-json.ts';

export const admin = new Hono<{ Bindings: Env }>();

/** The admin API is off unless ADMIN_TOKEN is set; comparison is of hashes, so timing leaks nothing useful. */
const requireAdmin = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (!expected)
    throw new ProximaError('not_found', 'The admin API is disabled: set ADMIN_TOKEN to enable it.');
  const given = bearer(c.req.header('authorization'));
  if (!given || (await sha256Hex(given)) !== (await sha256Hex(expected))) {
    throw new ProximaError('invalid_api_key', 'Missing or wrong admin token.');
  }
  await next();
});

const label = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ -');
const secret = z.string().min(16, 'must be at least 16 characters').max(256);
const newKey = z.object({
  tenant: label.default('default'),
  name: label.default('key'),
  key: secret.optional(),
});
const newToken = z.object({ name: label.default('node'), token: secret.optional() });

async function optionalJson(request: Request, env: Env): Promise<unknown> {
  return request.headers.get('content-length') === '0' || !request.body
    ? {}
    : readJsonBody(request, env);
}

/** Creates an API key. Send `key` to register one you generated; otherwise one is made and shown once. */
admin.post('/admin/api-keys', requireAdmin, async (c) => {
  const body = parseOrThrow(newKey, await optionalJson(c.req.raw, c.env), 'request body');
  const key = body.key ?? newSecret('pxk');
  const created = await registryStub(c.env).addApiKey(
    await sha256Hex(key),
    body.tenant,
    body.name,
    Date.now(),
  );
  if (!created) throw new ProximaError('conflict', 'That key is already registered.');
  return c.json({ key, tenant: body.tenant, name: body.name }, 201);
});

/** Creates a node enrollment token, shown once. */
admin.post('/admin/node-tokens', requireAdmin, async (c) => {
  const body = parseOrThrow(newToken, await optionalJson(c.req.raw, c.env), 'request body');
  const token = body.token ?? newSecret('pxn');
  const created = await registryStub(c.env).addNodeToken(
    await sha256Hex(token),
    body.name,
    Date.now(),
  );
  if (!created) throw new ProximaError('conflict', 'That token is already registered.');
  return c.json({ token, name: body.name }, 201);
});

admin.get('/admin/nodes', requireAdmin, async (c) =>
  c.json({ nodes: await registryStub(c.env).listNodes() }),
);
