import { SeededRand } from '../raft/rand.ts';
import { testBackend } from './testing.ts';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BREAKER } from './breaker.ts';
import type { Choice, RouteRequest } from './choose.ts';
import type { AttemptFailure } from './classify.ts';
import { DEFAULT_RETRY_BUDGET } from './retry-budget.ts';
import { DEFAULT_ROUTER, Router, ROUTER_MAX_BACKENDS } from './router.ts';

const T0 = 1_790_000_000_000;
const THREW: AttemptFailure = { kind: 'dispatch_threw' };

const backend = testBackend;

/** Deterministic random (the core's seeded PRNG), so a failure reproduces. */
function seeded(seed: number): () => number {
  const rand = new SeededRand(seed);
  return () => rand.next();
}

function picked(c: Choice): Extract<Choice, { kind: 'backend' }> {
  if (c.kind !== 'backend') throw new Error(`expected a backend, got ${c.kind}`);
  return c;
}

const BS = [backend('bad'), backend('good')];
const STICK_BAD: RouteRequest = { model: 'm1', affinity: 'bad' };

/** Fails 'bad' (kept sticky by affinity) until its breaker opens; returns the router. */
function openBad(): Router {
  const r = new Router();
  for (let i = 0; i < DEFAULT_BREAKER.consecutiveFailures; i++) {
    const c = picked(r.choose(BS, STICK_BAD, T0 + i, () => 0));
    expect(c.backend.id).toBe('bad');
    r.failed('bad', THREW, T0 + i, c.probe);
  }
  return r;
}

describe('Router', () => {
  it('opens the breaker of a backend that keeps failing and stops choosing it', () => {
    const r = openBad();
    const random = seeded(1);
    for (let i = 0; i < 100; i++) {
      const c = picked(r.choose(BS, STICK_BAD, T0 + 100 + i, random));
      expect(c.backend.id).toBe('good');
      r.succeeded('good', 100, T0 + 100 + i, c.probe);
    }
  });

  it('forgets the breaker of a node that came back as a new incarnation (it reconnected)', () => {
    const r = new Router();
    const v1 = [backend('bad', { incarnation: 1 }), backend('good', { incarnation: 1 })];
    for (let i = 0; i < DEFAULT_BREAKER.consecutiveFailures; i++) {
      const c = picked(r.choose(v1, STICK_BAD, T0 + i, () => 0));
      r.failed(c.backend.id, THREW, T0 + i, c.probe);
    }
    // Same incarnation: its breaker is open, so the sticky request goes elsewhere.
    expect(picked(r.choose(v1, STICK_BAD, T0 + 10, () => 0)).backend.id).toBe('good');
    // It reconnected: a new process, chosen again at once.
    const v2 = [backend('bad', { incarnation: 2 }), backend('good', { incarnation: 1 })];
    expect(picked(r.choose(v2, STICK_BAD, T0 + 11, () => 0)).backend.id).toBe('bad');
  });

  it('does not hold failures that say nothing about the backend against it', () => {
    const r = new Router();
    for (let i = 0; i < 3 * DEFAULT_BREAKER.consecutiveFailures; i++) {
      const c = picked(r.choose(BS, STICK_BAD, T0 + i, () => 0));
      expect(c.backend.id).toBe('bad');
      const cls = r.failed(
        'bad',
        { kind: 'job_error', code: 'client_closed', outputSent: false },
        T0 + i,
        c.probe,
      );
      expect(cls.countsAgainstBreaker).toBe(false);
    }
  });

  it('closes the breaker when a half-open probe succeeds; one probe at a time', () => {
    const r = openBad();
    const t = T0 + DEFAULT_BREAKER.baseOpenMs + 10;
    const probe = picked(r.choose(BS, STICK_BAD, t, () => 0));
    expect(probe.backend.id).toBe('bad');
    expect(probe.breaker.state).toBe('half_open');
    expect(probe.probe).not.toBeNull();
    // The single probe is out: others go elsewhere meanwhile.
    expect(picked(r.choose(BS, STICK_BAD, t + 1, () => 0)).backend.id).toBe('good');

    r.succeeded('bad', 80, t + 2, probe.probe);
    const after = picked(r.choose(BS, STICK_BAD, t + 3, () => 0));
    expect(after.backend.id).toBe('bad');
    expect(after.breaker.state).toBe('closed');
    expect(after.probe).toBeNull();
  });

  it('re-opens the breaker when the half-open probe fails', () => {
    const r = openBad();
    const t = T0 + DEFAULT_BREAKER.baseOpenMs + 10;
    const probe = picked(r.choose(BS, STICK_BAD, t, () => 0));
    r.failed('bad', THREW, t + 1, probe.probe);
    expect(picked(r.choose(BS, STICK_BAD, t + 2, () => 0)).backend.id).toBe('good');
  });

  it('stops retrying once the budget is spent in an outage', () => {
    const r = new Router();
    const maxRetriesPerRequest = 3;
    const requests = 200;
    let retries = 0;
    // 200 requests within one budget window, every attempt failing.
    for (let k = 0; k < requests; k++) {
      const now = T0 + k * 40;
      r.request(now);
      let n = 0;
      while (n < maxRetriesPerRequest && r.mayRetry(now)) n++;
      retries += n;
    }
    const { ratio, minPerSecond, windowMs } = DEFAULT_RETRY_BUDGET;
    const cap = ratio * requests + (minPerSecond * windowMs) / 1000;
    expect(retries).toBeGreaterThan(0);
    expect(retries).toBeLessThanOrEqual(cap);
    expect(retries).toBeLessThan(maxRetriesPerRequest * requests);
    expect(r.mayRetry(T0 + requests * 40)).toBe(false);
  });

  it('chooses the slow node less often once latency is fed', () => {
    const bs = [backend('fast'), backend('slow')];
    const req: RouteRequest = { model: 'm1' };
    const count = (feed: boolean): number => {
      const r = new Router();
      if (feed) {
        for (let i = 0; i < 5; i++) {
          r.succeeded('fast', 100, T0 + i, null);
          r.succeeded('slow', 3000, T0 + i, null);
        }
      }
      const random = seeded(7);
      let slow = 0;
      for (let i = 0; i < 1000; i++)
        if (picked(r.choose(bs, req, T0 + 10, random)).backend.id === 'slow') slow++;
      return slow;
    };
    // Control: with no latency known the two are chosen about evenly.
    expect(count(false)).toBeGreaterThan(300);
    expect(count(true)).toBeLessThan(100);
  });

  it('queues on a full node by default rather than answer no_capacity', () => {
    expect(DEFAULT_ROUTER.choose.queueOnFullNodes).toBe(true);
    const full = {
      ...backend('n'),
      capacity: { slots: 1, inFlight: 1, queued: 3, vramFreeBytes: null },
    };
    const c = picked(new Router().choose([full], { model: 'm1' }, T0, () => 0));
    expect(c.reason).toBe('queue');
  });

  it('keeps memory bounded: caps the backends and forgets old ones', () => {
    const r = new Router();
    for (let i = 0; i <= ROUTER_MAX_BACKENDS; i++) r.succeeded(`b${i}`, 10, T0, null);
    expect(r.size).toBe(ROUTER_MAX_BACKENDS);

    const s = new Router();
    s.succeeded('old', 10, T0, null);
    s.succeeded('new', 10, T0 + 7_200_000, null);
    s.forget(T0 + 7_200_000);
    expect(s.size).toBe(1);
  });

  it('snapshot reports each backend: breaker phase, retry-after, latency; most recent first; changes nothing', () => {
    const r = openBad();
    const t = T0 + 1000;
    r.succeeded('good', 200, t, null);
    const snap = r.snapshot(t);
    expect(snap.total).toBe(2);
    expect(snap.backends).toEqual([
      {
        id: 'good',
        latencyMs: 200,
        sampled: true,
        breaker: 'closed',
        retryAfterMs: 0,
        consecutiveFailures: 0,
        streak: 0,
        seenAt: t,
      },
      {
        id: 'bad',
        latencyMs: DEFAULT_ROUTER.choose.ewma.initialMs,
        sampled: false,
        breaker: 'open',
        retryAfterMs: DEFAULT_BREAKER.baseOpenMs - 1000 + DEFAULT_BREAKER.consecutiveFailures - 1,
        consecutiveFailures: 0,
        streak: 1,
        seenAt: T0 + DEFAULT_BREAKER.consecutiveFailures - 1,
      },
    ]);
    // Once the cool-down has passed it reads half-open, and reading took no probe.
    const later = T0 + DEFAULT_BREAKER.baseOpenMs + 10;
    expect(r.snapshot(later).backends[1]).toMatchObject({ breaker: 'half_open', retryAfterMs: 0 });
    expect(r.snapshot(later, 1).backends.map((b) => b.id)).toEqual(['good']);
    expect(picked(r.choose(BS, STICK_BAD, later, () => 0)).probe).not.toBeNull();
  });

  it('snapshot counts failures in a row while the breaker is closed', () => {
    const r = new Router();
    r.failed('x', THREW, T0, null);
    r.failed('x', THREW, T0 + 1, null);
    expect(r.snapshot(T0 + 2).backends[0]).toMatchObject({
      id: 'x',
      breaker: 'closed',
      consecutiveFailures: 2,
    });
  });

  it('forgetting a backend forgets its open breaker', () => {
    const r = openBad();
    r.forget(T0 + 10, 0);
    expect(r.size).toBe(0);
    expect(picked(r.choose(BS, STICK_BAD, T0 + 11, () => 0)).backend.id).toBe('bad');
  });
});
