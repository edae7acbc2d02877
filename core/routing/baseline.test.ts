import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRand } from '../raft/rand.ts';
import {
  alertsOf,
  closeBaselines,
  DEFAULT_SENTINEL,
  freshBaselines,
  isDegraded,
  latencyLines,
  observeJob,
  parseJobObservation,
  samplesOf,
  sweepBaselines,
  type Baselines,
  type JobObservation,
  type SentinelEvent,
} from './baseline.ts';

const T0 = 1_790_000_000_000;
const O = DEFAULT_SENTINEL;

/** A job: first token after `ttftMs`, then `msPerToken` for each of the other `tokens − 1`. */
function job(ttftMs: number, msPerToken = 20, tokens = 51, failed = false): JobObservation {
  return { ttftMs, tokens, durationMs: ttftMs + msPerToken * (tokens - 1), failed };
}
const FAILED: JobObservation = { ttftMs: null, tokens: 0, durationMs: 50, failed: true };

interface Run {
  state: Baselines;
  events: SentinelEvent[];
  t: number;
}

/** Feeds `count` copies of `o`, one every `everyMs`, starting `everyMs` after `run.t`. */
function feed(run: Run, o: JobObservation, count: number, everyMs = 1000): Run {
  let { state, t } = run;
  const events = [...run.events];
  for (let i = 0; i < count; i++) {
    t += everyMs;
    const step = observeJob(state, o, t);
    state = step.state;
    events.push(...step.events);
  }
  return { state, events, t };
}

const start = (): Run => ({ state: freshBaselines('gpu-1'), events: [], t: T0 });
/** 60 ordinary jobs over a minute: an established baseline of 300 ms and 20 ms/token. */
const steady = (): Run => feed(start(), job(300), 60);

describe('sentinel baselines: latency', () => {
  it('says nothing before the baseline holds 20 samples, however slow the jobs', () => {
    const r = feed(feed(start(), job(100), 9), job(10_000, 500), 10);
    expect(r.events).toEqual([]);
    expect(isDegraded(r.state)).toBe(false);
  });

  it('a sustained rise of the time to first token raises one alert, and marks the backend degraded', () => {
    const r = feed(steady(), job(1500), 60);
    expect(r.events).toHaveLength(1);
    const [event] = r.events;
    expect(event).toMatchObject({
      type: 'raised',
      alert: { backend: 'gpu-1', kind: 'latency', metric: 'ttft_ms', baseline: 300 },
    });
    expect(isDegraded(r.state)).toBe(true);
    const [alert] = alertsOf(r.state);
    expect(alert?.current).toBeGreaterThan(600);
    expect(alert?.since).toBe(event?.alert.since);
  });

  it('a slower decode raises an ms_per_token alert', () => {
    const r = feed(steady(), job(300, 90), 60);
    expect(r.events.map((e) => [e.type, e.alert.metric])).toEqual([['raised', 'ms_per_token']]);
  });

  it('one very slow request does not raise an alert', () => {
    const r = feed(feed(steady(), job(600_000, 5000), 1), job(300), 30);
    expect(r.events).toEqual([]);
  });

  it('a tiny baseline does not alarm on a change under the floor', () => {
    const fast = feed(start(), job(20, 2), 60);
    expect(feed(fast, job(20 + O.ttftFloorMs - 10, 2 + O.perTokenFloorMs - 1), 60).events).toEqual(
      [],
    );
    expect(feed(fast, job(20 + 2 * O.ttftFloorMs, 2), 60).events).toHaveLength(1);
  });

  it('needs recent weight: a rise spread thinly over time does not alarm', () => {
    // One job every 5 minutes: the current estimate never has the weight of 5 recent jobs.
    const r = feed(feed(start(), job(300), 40, 60_000), job(3000), 10, 300_000);
    expect(r.events.filter((e) => e.type === 'raised')).toEqual([]);
  });

  it('clears with hysteresis: not between the lines, not within the hold time, then as recovered', () => {
    const raised = feed(steady(), job(1500), 60);
    // Between the clear line (450 ms) and the raise line (600 ms): stays up.
    const between = feed(raised, job(520), 120);
    expect(between.events.filter((e) => e.type === 'cleared')).toEqual([]);
    expect(isDegraded(between.state)).toBe(true);

    // Back to normal at once: still held until holdMs has passed since it was raised.
    const quick = feed(raised, job(300), 10, 100);
    expect(isDegraded(quick.state)).toBe(true);
    const back = feed(raised, job(300), 120);
    const cleared = back.events.filter((e) => e.type === 'cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0]).toMatchObject({
      alert: { kind: 'latency', metric: 'ttft_ms', baseline: 300, reason: 'recovered' },
    });
    expect(isDegraded(back.state)).toBe(false);
  });

  it('the baseline does not learn while its alert is up, so a lasting slowdown stays visible', () => {
    const r = feed(feed(steady(), job(1500), 60), job(1500), 600);
    expect(isDegraded(r.state)).toBe(true);
    const [alert] = alertsOf(r.state);
    expect(alert?.baseline).toBe(300);
    expect(alert?.current).toBeCloseTo(1500, -1);
  });

  it('reports the samples as given, though the estimate the verdict reads is capped', () => {
    const r = feed(steady(), job(30_000), 60);
    const alert = alertsOf(r.state)[0];
    expect(alert?.current).toBeGreaterThan(20_000);
    expect(latencyLines('ttft', 300).cap).toBe(900);
  });
});

describe('sentinel baselines: errors', () => {
  it('two failures in a row do not raise; half the jobs failing for a minute does', () => {
    const two = feed(feed(steady(), FAILED, 2), job(300), 20);
    expect(two.events).toEqual([]);
    let many = steady();
    for (let i = 0; i < 30; i++) many = feed(feed(many, FAILED, 1), job(300), 1);
    expect(many.events).toEqual([
      {
        type: 'raised',
        alert: expect.objectContaining({ kind: 'errors', metric: 'error_rate' }) as unknown,
      },
    ]);
  });

  it('a backend failing from its first job raises without a baseline', () => {
    const r = feed(start(), FAILED, 6);
    expect(r.events.map((e) => e.alert.kind)).toEqual(['errors']);
  });

  it('clears once the rate is back under 10 % and the hold has passed', () => {
    const raised = feed(steady(), FAILED, 20);
    const back = feed(raised, job(300), 120);
    expect(back.events.filter((e) => e.type === 'cleared').map((e) => e.alert.kind)).toEqual([
      'errors',
    ]);
    expect(isDegraded(back.state)).toBe(false);
  });
});

describe('sentinel baselines: stale, leaving, and reading', () => {
  it('an alert on a backend with no jobs for 5 minutes clears as stale, and starts afresh', () => {
    const raised = feed(steady(), job(1500), 60);
    expect(sweepBaselines(raised.state, raised.t + O.staleAfterMs - 1).events).toEqual([]);
    const swept = sweepBaselines(raised.state, raised.t + O.staleAfterMs);
    expect(swept.events).toEqual([
      {
        type: 'cleared',
        alert: expect.objectContaining({ kind: 'latency', reason: 'stale' }) as unknown,
      },
    ]);
    expect(isDegraded(swept.state)).toBe(false);
    // The next hearing needs fresh evidence: one slow job is not enough, six in six seconds are.
    const again = { state: swept.state, events: [], t: raised.t + O.staleAfterMs };
    expect(feed(again, job(1500), 1).events).toEqual([]);
    expect(feed(again, job(1500), 6).events.map((e) => e.type)).toEqual(['raised']);
  });

  it('a job observed after a stale spell first clears the old alert', () => {
    const raised = feed(steady(), job(1500), 60);
    const late = feed(raised, job(300), 1, O.staleAfterMs + 1);
    expect(late.events.slice(-1)).toEqual([
      { type: 'cleared', alert: expect.objectContaining({ reason: 'stale' }) as unknown },
    ]);
  });

  it('a backend that leaves clears its alerts as disconnected', () => {
    const raised = feed(feed(steady(), job(1500), 60), FAILED, 30);
    expect(alertsOf(raised.state).map((a) => a.kind)).toEqual(['latency', 'errors']);
    const events = closeBaselines(raised.state, raised.t + 1);
    expect(
      events.map((e) => [e.type, e.alert.kind, 'reason' in e.alert && e.alert.reason]),
    ).toEqual([
      ['cleared', 'latency', 'disconnected'],
      ['cleared', 'errors', 'disconnected'],
    ]);
    expect(closeBaselines(steady().state, T0)).toEqual([]);
  });

  it('derives per-token latency only from finished jobs with a first token and 2+ tokens', () => {
    expect(samplesOf(job(300, 20, 51))).toEqual({ ttft: 300, perToken: 20, errors: 0 });
    expect(samplesOf(job(300, 20, 1)).perToken).toBeNull();
    expect(samplesOf({ ttftMs: null, tokens: 9, durationMs: 900, failed: false })).toEqual({
      ttft: null,
      perToken: null,
      errors: 0,
    });
    expect(samplesOf(job(300, 20, 10, true))).toEqual({ ttft: 300, perToken: null, errors: 1 });
    // A first token reported after the end (clocks disagree) gives 0, not a negative.
    expect(samplesOf({ ttftMs: 500, tokens: 3, durationMs: 400, failed: false }).perToken).toBe(0);
  });
});

describe('parseJobObservation', () => {
  it('accepts finite non-negative numbers and keeps only the known fields', () => {
    expect(parseJobObservation({ ...job(300), extra: 'x' })).toEqual({
      ok: true,
      observation: job(300),
    });
    expect(parseJobObservation(FAILED)).toEqual({ ok: true, observation: FAILED });
  });

  it.each([
    [null, 'not an object'],
    [[1], 'not an object'],
    [{ ...job(300), ttftMs: Number.NaN }, 'ttftMs'],
    [{ ...job(300), ttftMs: -1 }, 'ttftMs'],
    [{ ...job(300), ttftMs: undefined }, 'ttftMs'],
    [{ ...job(300), tokens: 1.5 }, 'tokens'],
    [{ ...job(300), tokens: -2 }, 'tokens'],
    [{ ...job(300), durationMs: Infinity }, 'durationMs'],
    [{ ...job(300), durationMs: '5' }, 'durationMs'],
    [{ ...job(300), failed: 1 }, 'failed'],
  ])('refuses %j', (value, field) => {
    const parsed = parseJobObservation(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(field);
  });
});

// Properties.
const jitter = fc.double({ min: 0.95, max: 1.05, noNaN: true });
const anyObservation: fc.Arbitrary<JobObservation> = fc.record({
  ttftMs: fc.option(fc.double({ min: 0, max: 1e7, noNaN: true }), { nil: null }),
  tokens: fc.nat(10_000),
  durationMs: fc.double({ min: 0, max: 1e8, noNaN: true }),
  failed: fc.boolean(),
});

describe('sentinel baselines (properties)', () => {
  it('from a steady state, one request of any slowness never raises an alert, then or later', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 20_000, noNaN: true }),
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.array(fc.tuple(jitter, jitter, fc.integer({ min: 2, max: 500 }), fc.nat(5000)), {
          minLength: 1,
          maxLength: 80,
        }),
        anyObservation,
        fc.nat(400_000),
        fc.nat(30),
        (ttft, perToken, history, outlier, gap, after) => {
          let state = freshBaselines('b');
          let t = T0;
          for (const [a, b, tokens, dt] of history) {
            t += dt;
            const step = observeJob(state, job(ttft * a, perToken * b, tokens), t);
            expect(step.events).toEqual([]);
            state = step.state;
          }
          // The outlier, then ordinary jobs again.
          const last = observeJob(state, outlier, (t += gap));
          expect(last.events).toEqual([]);
          state = last.state;
          for (let i = 0; i < after; i++) {
            const step = observeJob(state, job(ttft, perToken), (t += 1000));
            expect(step.events).toEqual([]);
            state = step.state;
          }
        },
      ),
    );
  });

  /** A history in phases: a level of slowness and of failures, a pace, a length. */
  const phases = fc.array(
    fc.record({
      level: fc.constantFrom(1, 1.3, 1.7, 2.5, 6),
      failRate: fc.constantFrom(0, 0, 0.15, 0.5),
      everyMs: fc.constantFrom(50, 1000, 10_000, 400_000),
      count: fc.integer({ min: 1, max: 40 }),
    }),
    { minLength: 1, maxLength: 8 },
  );

  it('right after an alert clears, one more observation of any kind never raises it again', () => {
    fc.assert(
      fc.property(
        phases,
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        anyObservation,
        fc.nat(120_000),
        (plan, seed, next, gap) => {
          // Seeded, so failures within a phase are spread rather than bunched, and reproduce.
          const rand = new SeededRand(seed);
          let state = freshBaselines('b');
          let t = T0;
          for (const p of plan) {
            for (let i = 0; i < p.count; i++) {
              t += p.everyMs;
              const o = job(300 * p.level, 20 * p.level, 40, rand.next() < p.failRate);
              const step = observeJob(state, o, t);
              state = step.state;
              for (const cleared of step.events.filter((e) => e.type === 'cleared')) {
                const after = observeJob(state, next, t + gap);
                const raised = after.events.filter((e) => e.type === 'raised');
                expect(raised.map((e) => e.alert.kind)).not.toContain(cleared.alert.kind);
              }
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('raised and cleared alternate per kind, and degraded means an alert is active', () => {
    fc.assert(
      fc.property(phases, (plan) => {
        let state = freshBaselines('b');
        let t = T0;
        const up = { latency: false, errors: false };
        let k = 0;
        for (const p of plan) {
          for (let i = 0; i < p.count; i++) {
            t += p.everyMs;
            k++;
            const step = observeJob(
              state,
              job(300 * p.level, 20, 40, k % 4 === 0 && p.failRate > 0.3),
              t,
            );
            state = step.state;
            for (const e of step.events) {
              expect(up[e.alert.kind]).toBe(e.type === 'cleared');
              up[e.alert.kind] = e.type === 'raised';
            }
            expect(isDegraded(state)).toBe(up.latency || up.errors);
            expect(alertsOf(state).map((a) => a.kind)).toEqual(
              (['latency', 'errors'] as const).filter((kind) => up[kind]),
            );
          }
        }
      }),
    );
  });
});
