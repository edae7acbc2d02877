import { CACHE_DEFAULTS } from '@proxima/core/cache';
import { parseOrThrow } from '@proxima/core/protocol';
import { Hono } from 'hono';
import * as z from 'zod';
import { requireApiKey, type AuthVariables } from '../auth/require-api-key.ts';
import { cacheStub } from '../cache/stub.ts';
import type { Env } from '../env.ts';
import { readJsonBody } from './read-json.ts';

export const cache = new Hono<{ Bindings: Env; Variables: AuthVariables }>();

const tag = z.string().regex(CACHE_DEFAULTS.tagPattern, `must be ${CACHE_DEFAULTS.tagRule}`);
const invalidation = z.union([z.strictObject({ tag }), z.strictObject({ prefix: tag })], {
  error: 'must be {"tag": …} or {"prefix": …}',
});

/**
 * A tenant drops its own cached answers by tag (`proxima.cache.tags` when they were stored) or tag
 * prefix. Flushing everything is the admin's `POST /admin/cache/flush`.
 */
cache.post('/v1/cache/invalidate', requireApiKey('chat'), async (c) => {
  const tenant = c.get('auth').tenant;
  const by = parseOrThrow(invalidation, await readJsonBody(c.req.raw, c.env), 'request body');
  const invalidated = await cacheStub(c.env, tenant).invalidateTags(tenant, by);
  return c.json({ object: 'cache.invalidation', invalidated });
});
