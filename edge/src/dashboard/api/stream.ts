import { DASHBOARD_EVENTS } from '@proxima/core/dashboard';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { intVar, type Env } from '../../env.ts';
import { dashboardSnapshot } from '../snapshot.ts';
import { requireSession, type SessionVariables } from './require-session.ts';

/** GET /stream: one `snapshot` event a tick (DASHBOARD_TICK_MS, default 1000) until the client goes or the session ends. */
export const streamRoutes = new Hono<{ Bindings: Env; Variables: SessionVariables }>();

export function dashboardTickMs(env: Env): number {
  return intVar(env.DASHBOARD_TICK_MS, 1000, 200, 60_000);
}

streamRoutes.get('/stream', requireSession, (c) => {
  const tickMs = dashboardTickMs(c.env);
  const expiresAt = c.var.session.expiresAt;
  c.header('cache-control', 'no-store');
  return streamSSE(c, async (stream) => {
    let id = 0;
    while (!stream.aborted && !stream.closed) {
      const now = Date.now();
      if (now >= expiresAt) {
        await stream.writeSSE({
          event: DASHBOARD_EVENTS.error,
          data: JSON.stringify({ status: 401, message: 'The session expired: log in again.' }),
        });
        return;
      }
      const frame = await dashboardSnapshot(c.env, now, tickMs);
      await stream.writeSSE({
        event: DASHBOARD_EVENTS.snapshot,
        id: String(++id),
        data: JSON.stringify(frame),
      });
      await stream.sleep(tickMs);
    }
  });
});
