import { PROMETHEUS_CONTENT_TYPE } from '@proxima/core/metrics';
import { Hono } from 'hono';
import type { Env } from '../env.ts';
import { edgeExposition } from '../metrics/exposition.ts';
import { requireAdmin } from './admin/require-admin.ts';

/** GET /metrics: Prometheus text, behind the admin token (docs/metrics.md lists every metric). */
export const metrics = new Hono<{ Bindings: Env }>();

metrics.get('/metrics', requireAdmin, async (c) =>
  c.body(await edgeExposition(c.env, Date.now()), 200, {
    'content-type': PROMETHEUS_CONTENT_TYPE,
    'cache-control': 'no-store',
  }),
);
