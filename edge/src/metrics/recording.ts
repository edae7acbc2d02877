import { MetricsRecorder, type CacheOutcome } from '@proxima/core/metrics';
import { intVar, type Env } from '../env.ts';

/**
 * This isolate's metrics, sent to the MetricsHub at most once a second under the first pending
 * event's `waitUntil`, so recording costs no round trip on the request path. What an isolate holds
 * when it is evicted (at most a second's worth) is lost: metrics, never answers.
 */
export const METRICS_FLUSH_MS = 1000;

/** METRICS_FLUSH_MS unless the deployment sets another (test builds flush sooner). */
function flushMs(env: Env): number {
  return intVar(env.METRICS_FLUSH_MS, METRICS_FLUSH_MS, 10, 60_000);
}

interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

let recorder: MetricsRecorder | null = null;
/**
 * When the pending flush is due; 0 for none. A flush whose waitUntil the runtime dropped never
 * clears it, so one overdue by FLUSH_STALE_MS counts as lost and another is scheduled.
 */
let flushDueAt = 0;
const FLUSH_STALE_MS = 5000;

function local(): MetricsRecorder {
  recorder ??= new MetricsRecorder(crypto.randomUUID());
  return recorder;
}

export function metricsHubStub(env: Env) {
  return env.METRICS_HUB.get(env.METRICS_HUB.idFromName('global'));
}

async function flush(env: Env): Promise<void> {
  const batch = local().drain();
  try {
    await metricsHubStub(env).record(batch);
  } catch (err) {
    console.error(JSON.stringify({ event: 'metrics.lost', err: String(err) }));
  }
}

function schedule(ctx: WaitUntil, env: Env): void {
  const now = Date.now();
  if (flushDueAt !== 0 && now < flushDueAt + FLUSH_STALE_MS) return;
  const wait = flushMs(env);
  const due = now + wait;
  flushDueAt = due;
  ctx.waitUntil(
    new Promise((resolve) => setTimeout(resolve, wait)).then(() => {
      if (flushDueAt === due) flushDueAt = 0;
      return flush(env);
    }),
  );
}

export function recordHttp(
  ctx: WaitUntil,
  env: Env,
  path: string,
  status: number,
  seconds: number,
): void {
  local().http(Date.now(), path, status, seconds);
  schedule(ctx, env);
}

export function recordTokens(
  ctx: WaitUntil,
  env: Env,
  tenant: string,
  backend: string,
  prompt: number,
  completion: number,
): void {
  local().tokens(Date.now(), tenant, backend, prompt, completion);
  schedule(ctx, env);
}

export function recordCache(ctx: WaitUntil, env: Env, outcome: CacheOutcome): void {
  local().cache(Date.now(), outcome);
  schedule(ctx, env);
}

/**
 * Counts a job sent to the Function App while it runs (the in-flight gauge) and how it ended. The
 * start is flushed at once: a burst job can wait for minutes with nothing else to flush.
 */
export async function trackBurst<T>(
  env: Env,
  run: () => Promise<T>,
  succeeded: (result: T) => boolean,
): Promise<T> {
  local().burstStarted();
  void flush(env);
  let ok = false;
  try {
    const result = await run();
    ok = succeeded(result);
    return result;
  } finally {
    local().burstSettled(ok);
  }
}
