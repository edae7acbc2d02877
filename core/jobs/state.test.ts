import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BURST_LIMITS } from './limits.ts';
import { parseJob, type BurstJob } from './schema.ts';
import {
  admit,
  observedStatus,
  planDelivery,
  settle,
  type JobRecord,
  type RunOutcome,
} from './state.ts';

const job: BurstJob = parseJob({
  id: 'job_0123456789abcdef',
  tenant: 'acme',
  kind: 'chat',
  input: { model: 'm', request: { messages: [{ role: 'user', content: 'hi' }] } },
  callback: { url: 'https://edge.example/internal/jobs/callback' },
});

function created(): JobRecord {
  const a = admit(null, job, 'd1', 10);
  if (a.action !== 'create') throw new Error(a.action);
  return a.record;
}

describe('admit', () => {
  it('creates a queued record, then answers a re-post with the same body as before', () => {
    const record = created();
    expect(record).toMatchObject({ status: 'queued', attempts: 0 });
    expect(record.callbackUrl).toBe('https://edge.example/internal/jobs/callback');
    expect(admit(record, job, 'd1', 20)).toEqual({ action: 'existing', record, enqueue: true });
    expect(admit(record, job, 'd2', 20).action).toBe('conflict');
  });
});

describe('planDelivery and settle', () => {
  it('runs, then ignores duplicate deliveries of a finished job', () => {
    const plan = planDelivery(created(), false, 'm1', 1, 20);
    if (plan.action !== 'run') throw new Error(plan.action);
    expect(plan.record).toMatchObject({ status: 'running', attempts: 1 });
    const done = settle(plan.record, { ok: true }, 1, 30);
    expect(done).toMatchObject({ action: 'done', record: { status: 'succeeded' } });
    expect(planDelivery(done.record, true, 'm1', 2, 40)).toEqual({ action: 'ack' });
  });

  it('sends the message again for a re-post only while no delivery has begun', () => {
    const plan = planDelivery(created(), false, 'm1', 1, 20);
    if (plan.action !== 'run') throw new Error(plan.action);
    expect(admit(plan.record, job, 'd1', 30)).toMatchObject({ action: 'existing', enqueue: false });
  });

  it('runs a job once when two messages carry it: the second is acknowledged while the first runs', () => {
    const first = planDelivery(created(), false, 'm1', 1, 20);
    if (first.action !== 'run') throw new Error(first.action);
    expect(first.record.runner).toBe('m1');
    expect(planDelivery(first.record, false, 'm2', 1, 30)).toEqual({ action: 'ack' });
    // The first message's own redelivery (its run died) runs it again.
    expect(planDelivery(first.record, false, 'm1', 2, 30).action).toBe('run');
    // A run silent for longer than a run may take is taken over by whichever message comes.
    const late = planDelivery(first.record, false, 'm2', 1, 21 + BURST_LIMITS.runTimeoutMs);
    expect(late).toMatchObject({ action: 'run', record: { runner: 'm2', attempts: 2 } });
  });

  it('finishes without running again when a crashed run had stored its result', () => {
    const running = { ...created(), status: 'running' as const, attempts: 1 };
    const plan = planDelivery(running, true, 'm1', 2, 50);
    expect(plan).toMatchObject({
      action: 'complete',
      record: { status: 'succeeded', attempts: 1 },
    });
  });

  it('retries what may work later, fails what never will, poisons after the last delivery', () => {
    const running = { ...created(), status: 'running' as const, attempts: 1 };
    const flaky: RunOutcome = {
      ok: false,
      code: 'upstream_error',
      message: '503',
      retryable: true,
    };
    expect(settle(running, flaky, 1, 5)).toMatchObject({
      action: 'retry',
      record: { status: 'queued', error: { code: 'upstream_error' } },
    });
    const bad: RunOutcome = { ok: false, code: 'invalid_request', message: 'no', retryable: false };
    expect(settle(running, bad, 1, 5)).toMatchObject({
      action: 'done',
      record: { status: 'failed' },
    });
    const last = settle(running, flaky, BURST_LIMITS.maxDeliveries, 5);
    expect(last).toMatchObject({ action: 'poison', record: { status: 'failed' } });
    expect(last.action === 'poison' && last.reason).toMatch(/failed 5 times; last: upstream_error/);
  });

  it('poisons an unknown id, and a message delivered past the limit', () => {
    expect(planDelivery(null, false, 'm1', 1, 5)).toMatchObject({ action: 'poison', record: null });
    const over = planDelivery(created(), false, 'm1', BURST_LIMITS.maxDeliveries + 1, 5);
    expect(over).toMatchObject({ action: 'poison', record: { status: 'failed' } });
  });

  it('reports a job whose last delivery died silently as abandoned, after the run timeout', () => {
    const stuck: JobRecord = {
      ...created(),
      status: 'running',
      attempts: BURST_LIMITS.maxDeliveries,
      updatedAt: 1000,
    };
    expect(observedStatus(stuck, 1000 + BURST_LIMITS.runTimeoutMs).status).toBe('running');
    expect(observedStatus(stuck, 1001 + BURST_LIMITS.runTimeoutMs)).toMatchObject({
      status: 'failed',
      error: { code: 'abandoned' },
    });
  });

  /**
   * The queue handler's steps, carried out against an in-memory record and result store, with a
   * crash at any step of any delivery: the job is never lost (it ends finished, or poisoned with
   * its record saying why) and at most one run's result is ever stored.
   */
  it('survives a crash between any two steps of any delivery', () => {
    const step = fc.constantFrom('none', 'after-plan', 'after-run', 'after-result', 'after-settle');
    fc.assert(
      fc.property(
        fc.array(fc.record({ crash: step, fails: fc.boolean() }), {
          minLength: BURST_LIMITS.maxDeliveries + 1,
          maxLength: BURST_LIMITS.maxDeliveries + 1,
        }),
        (deliveries) => {
          let record: JobRecord | null = created();
          let results = 0;
          let poisoned = false;
          let acked = false;
          for (const [i, d] of deliveries.entries()) {
            const count = i + 1;
            const plan = planDelivery(record, results > 0, 'm1', count, count * 100);
            if (plan.action === 'ack') {
              acked = true;
              break;
            }
            if (plan.action === 'poison') {
              if (plan.record) record = plan.record;
              poisoned = true;
              break;
            }
            record = plan.record;
            if (plan.action === 'complete') {
              acked = true;
              break;
            }
            if (d.crash === 'after-plan') continue;
            const outcome: RunOutcome = d.fails
              ? { ok: false, code: 'upstream_error', message: 'x', retryable: true }
              : { ok: true };
            if (d.crash === 'after-run') continue;
            if (outcome.ok) results++;
            if (d.crash === 'after-result') continue;
            const s = settle(record, outcome, count, count * 100 + 50);
            record = s.record;
            if (d.crash === 'after-settle') continue;
            if (s.action === 'poison') {
              poisoned = true;
              break;
            }
            if (s.action === 'done') {
              acked = true;
              break;
            }
          }
          expect(results).toBeLessThanOrEqual(1);
          expect(record).not.toBeNull();
          const final = record;
          if (results === 1) expect(final.status === 'succeeded' || !acked).toBe(true);
          if (acked) expect(['succeeded', 'failed']).toContain(final.status);
          if (poisoned) expect(final.status).toBe('failed');
          // Not finished and not poisoned means a delivery is still due: the message is on the queue.
          if (!acked && !poisoned) expect(['queued', 'running']).toContain(final.status);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
