import { mergeLimits } from '@proxima/core/limits';
import { parseOrThrow, ProximaError, quote } from '@proxima/core/protocol';
import { Hono } from 'hono';
import { forgetKnownBad, secretId } from '../../auth/failed-auth.ts';
import { forgetCachedKeys } from '../../auth/require-api-key.ts';
import { newSecret, sha256Hex } from '../../auth/hash.ts';
import { registryStub, type Env } from '../../env.ts';
import { optionalJson } from './optional-json.ts';
import { credentialId, limitsUpdate, newApiKey, tenantName } from './schemas.ts';

export const apiKeys = new Hono<{ Bindings: Env }>();

function keyId(raw: string): string {
  return parseOrThrow(credentialId, raw, 'key id');
}

/** Creates a key; send `key` to register one you generated, otherwise one is made and shown once. */
apiKeys.post('/', async (c) => {
  const body = parseOrThrow(newApiKey, await optionalJson(c.req.raw, c.env), 'request body');
  const key = body.key ?? newSecret('pxk');
  const hash = await sha256Hex(key);
  const limits = mergeLimits({}, body.limits ?? {});
  const created = await registryStub(c.env).addApiKey(
    hash,
    body.tenant,
    body.name,
    limits,
    Date.now(),
  );
  if (!created) throw new ProximaError('conflict', 'That key is already registered.');
  forgetKnownBad(secretId('api_key', hash));
  return c.json({ ...created, key }, 201);
});

apiKeys.get('/', async (c) => {
  const tenant = c.req.query('tenant');
  const filter = tenant === undefined ? null : parseOrThrow(tenantName, tenant, "'tenant'");
  return c.json({ keys: await registryStub(c.env).listApiKeys(filter) });
});

/** Revokes a key. Other isolates may accept it for up to the auth cache TTL (10 s). */
apiKeys.delete('/:id', async (c) => {
  const id = keyId(c.req.param('id'));
  if (!(await registryStub(c.env).revokeApiKey(id)))
    throw new ProximaError('not_found', `No API key ${quote(id)}.`);
  forgetCachedKeys();
  return c.json({ id, revoked: true });
});

/** Changes a key's limits: each field set, or null to remove it. */
apiKeys.patch('/:id', async (c) => {
  const id = keyId(c.req.param('id'));
  const body = parseOrThrow(limitsUpdate, await optionalJson(c.req.raw, c.env), 'request body');
  const registry = registryStub(c.env);
  const current = await registry.keyLimits(id);
  if (current === null) throw new ProximaError('not_found', `No API key ${quote(id)}.`);
  const limits = mergeLimits(current, body.limits);
  await registry.setKeyLimits(id, limits);
  forgetCachedKeys();
  return c.json({ id, limits });
});
