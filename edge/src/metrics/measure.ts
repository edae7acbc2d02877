import { createMiddleware } from 'hono/factory';
import type { CacheOutcome } from '@proxima/core/metrics';
import type { Env } from '../env.ts';
import { recordCache, recordHttp } from './recording.ts';

const CACHE_OUTCOMES: Readonly<Record<string, CacheOutcome>> = {
  HIT: 'hit',
  SEMANTIC_HIT: 'semantic_hit',
  MISS: 'miss',
};

/**
 * Counts every answer by route group and status class, times it to its headers (a stream's
 * first byte), and counts the semantic cache's verdict from `x-proxima-cache`. Errors thrown past
 * the routes are answered by onError before this sees the response, so they are counted too.
 */
export const measure = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  const started = performance.now();
  await next();
  const seconds = (performance.now() - started) / 1000;
  const ctx = c.executionCtx;
  recordHttp(ctx, c.env, c.req.path, c.res.status, seconds);
  const verdict = CACHE_OUTCOMES[c.res.headers.get('x-proxima-cache') ?? ''];
  if (verdict !== undefined) recordCache(ctx, c.env, verdict);
});
