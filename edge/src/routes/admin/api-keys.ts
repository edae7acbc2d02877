import { mergeLimits } from '@proxima/core/limits';
import { parseOrThrow, ProximaError, quote } from '@proxima/core/protocol';
import { keyIdOf, refusalError, type KeyView } from '@proxima/core/registry';
import { Hono } from 'hono';
import { forgetKnownBad, secretId } from '../../auth/failed-auth.ts';
import { forgetCachedKeys } from '../../auth/require-api-key.ts';
import { newSecret, sha256Hex } from '../../auth/hash.ts';
import type { Env } from '../../env.ts';
import { registryClient } from '../../raft/client/registry.ts';
import { optionalJson } from './optional-json.ts';
import { keyId, keyRotation, limitsUpdate, newApiKey, tenantName } from './schemas.ts';
import { settle } from './settle.ts';

export const apiKeys = new Hono<{ Bindings: Env }>();

const noKey = (id: string) => new ProximaError('not_found', `No API key ${quote(id)}.`);

/** Creates a key; send `key` to register one you generated, otherwise one is made and shown once. */
apiKeys.post('/', async (c) => {
  const body = parseOrThrow(newApiKey, await optionalJson(c.req.raw, c.env), 'request body');
  const key = body.key ?? newSecret('pxk');
  const hash = await sha256Hex(key);
  const registry = await registryClient(c.env);
  const created = await settle(
    await registry.propose({
      v: 1,
      type: 'key.create',
      hash,
      tenant: body.tenant,
      name: body.name,
      limits: mergeLimits({}, body.limits ?? {}),
      ...(body.scopes ? { scopes: body.scopes } : {}),
      ...(body.expiresAt === undefined ? {} : { expiresAt: body.expiresAt }),
      at: Date.now(),
    }),
    () => registry.read({ type: 'key', id: keyIdOf(hash) }),
  );
  forgetKnownBad(secretId('api_key', hash));
  return c.json({ ...created, key }, 201);
});

apiKeys.get('/', async (c) => {
  const tenant = c.req.query('tenant');
  const filter = tenant === undefined ? null : parseOrThrow(tenantName, tenant, "'tenant'");
  const registry = await registryClient(c.env);
  return c.json({ keys: await registry.read({ type: 'keys', tenant: filter }) });
});

/** Revokes a key. Every isolate refuses it within 1 s (this one at once). */
apiKeys.delete('/:id', async (c) => {
  const id = parseOrThrow(keyId, c.req.param('id'), 'key id');
  const registry = await registryClient(c.env);
  const revoked = await registry.propose({ v: 1, type: 'key.revoke', id });
  if (!revoked.ok) throw refusalError(revoked); // 404 for an unknown id
  forgetCachedKeys();
  return c.json({ id, revoked: true });
});

/**
 * Replaces a key's secret: the new key keeps the old one's tenant, name, limits and scopes, and
 * the old one stops authenticating (within 1 s everywhere). The new key is shown once.
 */
apiKeys.post('/:id/rotate', async (c) => {
  const id = parseOrThrow(keyId, c.req.param('id'), 'key id');
  const body = parseOrThrow(keyRotation, await optionalJson(c.req.raw, c.env), 'request body');
  const key = body.key ?? newSecret('pxk');
  const hash = await sha256Hex(key);
  const registry = await registryClient(c.env);
  const rotated = await settle(
    await registry.propose({
      v: 1,
      type: 'key.rotate',
      id,
      hash,
      ...(body.expiresAt === undefined ? {} : { expiresAt: body.expiresAt }),
      at: Date.now(),
    }),
    async () => {
      const view = await registry.read({ type: 'key', id: keyIdOf(hash) });
      return view ? { revoked: id, key: view } : null;
    },
  );
  forgetCachedKeys();
  forgetKnownBad(secretId('api_key', hash));
  return c.json({ revoked: rotated.revoked, ...rotated.key, key }, 201);
});

/**
 * Changes a key's limits: each field set, or null to remove it. The merge reads the limits
 * through ReadIndex first; two PATCHes of one key at the same instant may each miss the other.
 */
apiKeys.patch('/:id', async (c) => {
  const id = parseOrThrow(keyId, c.req.param('id'), 'key id');
  const body = parseOrThrow(limitsUpdate, await optionalJson(c.req.raw, c.env), 'request body');
  const registry = await registryClient(c.env);
  const current = await registry.read({ type: 'key', id });
  if (current === null) throw noKey(id);
  const limits = mergeLimits(current.limits, body.limits);
  const updated: KeyView = await settle(
    await registry.propose({ v: 1, type: 'key.setLimits', id, limits }),
    () => registry.read({ type: 'key', id }),
  );
  forgetCachedKeys();
  return c.json({ id, limits: updated.limits });
});
