import type { UsageEvent } from '@proxima/core/limits';
import { limiterStub, type Env } from '../env.ts';

/**
 * Usage of requests that took no lease, gathered per isolate and sent to each tenant's Limiter
 * at most once a second (or at FLUSH_EVENTS), so metering costs no Durable Object round trip per
 * request. The flush runs under the first buffered request's `waitUntil`. What an isolate holds
 * when it is evicted (at most a second's worth) is lost: usage, never limits, since requests under
 * limits release their lease one by one.
 */
export const FLUSH_MS = 1000;
export const FLUSH_EVENTS = 500;

const pending = new Map<string, UsageEvent[]>();

async function flush(env: Env, tenant: string): Promise<void> {
  const events = pending.get(tenant);
  if (!events) return;
  pending.delete(tenant);
  try {
    await limiterStub(env, tenant).recordUsageBatch(events);
  } catch (err) {
    console.error(
      JSON.stringify({ event: 'usage.lost', tenant, requests: events.length, err: String(err) }),
    );
  }
}

export function bufferUsage(
  ctx: { waitUntil(promise: Promise<unknown>): void },
  env: Env,
  tenant: string,
  event: UsageEvent,
): void {
  let events = pending.get(tenant);
  if (!events) {
    events = [];
    pending.set(tenant, events);
    ctx.waitUntil(
      new Promise((resolve) => setTimeout(resolve, FLUSH_MS)).then(() => flush(env, tenant)),
    );
  }
  events.push(event);
  if (events.length >= FLUSH_EVENTS) ctx.waitUntil(flush(env, tenant));
}
