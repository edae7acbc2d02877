import { UPSTREAM_ID_PREFIX } from '@proxima/core/routing';
import { Hono } from 'hono';
import type { Env } from '../../env.ts';
import { upstreamsOf, upstreamsProblem } from '../../upstream/config.ts';
import { inFlight } from '../../upstream/in-flight.ts';
import { routingSnapshot } from '../dispatch.ts';

/** Backends listed at most; the router remembers up to 10,000. */
const MAX_LISTED = 1000;

const NOTE =
  "One edge isolate's view: each isolate keeps its own breakers, peak-EWMA latencies and " +
  'upstream in-flight counts, so another request may reach another isolate and read differently.';

/** Names this isolate in the answer, so that two answers from different isolates can be told apart. */
let isolateId: string | null = null;

/**
 * GET / (mounted at /admin/routing): this isolate's routing memory, read-only: each backend's
 * breaker and peak-EWMA latency, and the configured upstreams with theirs. The sentinel's alerts
 * are not per isolate; they are at /admin/alerts.
 */
export const routing = new Hono<{ Bindings: Env }>();

routing.get('/', (c) => {
  const now = Date.now();
  isolateId ??= crypto.randomUUID().slice(0, 8);
  const all = routingSnapshot(now, Infinity);
  const byId = new Map(all.backends.map((b) => [b.id, b]));
  const upstreams = upstreamsOf(c.env).map((u) => {
    const id = `${UPSTREAM_ID_PREFIX}${u.name}`;
    const seen = byId.get(id);
    return {
      name: u.name,
      backend: id,
      models: Object.keys(u.models),
      costPer1kTokens: u.costPer1kTokens,
      priority: u.priority,
      maxConcurrent: u.maxConcurrent,
      inFlight: inFlight(u.name),
      breaker: seen?.breaker ?? 'closed',
      retryAfterMs: seen?.retryAfterMs ?? 0,
      latencyMs: seen?.latencyMs ?? null,
    };
  });
  return c.json({
    scope: 'isolate',
    isolate: isolateId,
    note: NOTE,
    at: now,
    backends: all.backends.slice(0, MAX_LISTED),
    total: all.total,
    upstreams,
    upstreamsError: upstreamsProblem(c.env),
  });
});
