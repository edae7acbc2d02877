import { parseOrThrow } from '@proxima/core/protocol';
import { ALL_TENANTS, refusalError } from '@proxima/core/registry';
import { Hono } from 'hono';
import * as z from 'zod';
import { forgetEpochs } from '../../cache/epochs.ts';
import type { Env } from '../../env.ts';
import { registryClient } from '../../raft/client/registry.ts';
import { optionalJson } from './optional-json.ts';
import { tenantName } from './schemas.ts';

export const cacheAdmin = new Hono<{ Bindings: Env }>();

const flush = z.strictObject({ tenant: z.union([z.literal(ALL_TENANTS), tenantName]).optional() });

/**
 * Flushes the semantic cache of one tenant, or of every tenant (`"*"`, the default), by bumping its
 * epoch in the registry: every older entry stops matching at once, everywhere within 1 s, and ages
 * out of its tenant's object by LRU and TTL.
 */
cacheAdmin.post('/flush', async (c) => {
  const body = parseOrThrow(flush, (await optionalJson(c.req.raw, c.env)) ?? {}, 'request body');
  const scope = body.tenant ?? ALL_TENANTS;
  const registry = await registryClient(c.env);
  const bumped = await registry.propose({ v: 1, type: 'cacheEpoch.bump', scope });
  if (!bumped.ok) throw refusalError(bumped);
  forgetEpochs();
  return c.json({ object: 'cache.flush', tenant: scope });
});
