import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  breakerAdmit,
  breakerAllows,
  breakerPhase,
  breakerRecord,
  breakerRetryAfterMs,
  closedBreaker,
  type BreakerOptions,
  type BreakerState,
} from './breaker.ts';

const T0 = 1_790_000_000_000;
const opts: BreakerOptions = {
  consecutiveFailures: 3,
  failureRate: 0.5,
  minRequests: 10,
  windowMs: 10_000,
  baseOpenMs: 1000,
  maxOpenMs: 4000,
  halfOpenProbes: 2,
  streakResetMs: 60_000,
};

function fail(state: BreakerState | undefined, times: number, now: number): BreakerState {
  let s = state ?? closedBreaker(now);
  for (let i = 0; i < times; i++) s = breakerRecord(s, 'failure', now, opts);
  return s;
}

/** Drives a breaker to half-open at the returned time. */
function halfOpen(): { state: BreakerState; now: number } {
  const opened = fail(undefined, 3, T0);
  if (opened.state !== 'open') throw new Error('expected open');
  return { state: opened, now: opened.until };
}

describe('circuit breaker', () => {
  it('lets everything through while closed, and an unknown backend counts as closed', () => {
    expect(breakerAllows(undefined, T0, opts)).toBe(true);
    const a = breakerAdmit(undefined, T0, opts);
    expect(a).toMatchObject({ allowed: true, probe: null, state: { state: 'closed' } });
  });

  it('opens after N consecutive failures, and a success resets the count', () => {
    expect(fail(undefined, 2, T0).state).toBe('closed');
    const reset = breakerRecord(fail(undefined, 2, T0), 'success', T0, opts);
    expect(fail(reset, 2, T0).state).toBe('closed');
    const opened = fail(undefined, 3, T0);
    expect(opened).toEqual({ state: 'open', until: T0 + 1000, streak: 1 });
    expect(breakerAllows(opened, T0 + 999, opts)).toBe(false);
    expect(breakerAdmit(opened, T0 + 999, opts).allowed).toBe(false);
    expect(breakerRetryAfterMs(opened, T0 + 400)).toBe(600);
  });

  it('opens on the failure rate over the window once it holds enough requests', () => {
    let s: BreakerState = closedBreaker(T0);
    // Alternate: never 3 in a row, but half fail.
    for (let i = 0; i < 9; i++) s = breakerRecord(s, i % 2 ? 'failure' : 'success', T0, opts);
    expect(s.state).toBe('closed');
    s = breakerRecord(s, 'failure', T0, opts); // 10 requests, 5 failures
    expect(s.state).toBe('open');
  });

  it('forgets the window after windowMs', () => {
    let s: BreakerState = closedBreaker(T0);
    for (let i = 0; i < 9; i++) s = breakerRecord(s, i % 2 ? 'failure' : 'success', T0, opts);
    s = breakerRecord(s, 'failure', T0 + 10_000, opts); // a new window: 1 request
    expect(s.state).toBe('closed');
  });

  it('ignores neutral outcomes while closed and late answers while open', () => {
    const s = fail(undefined, 2, T0);
    expect(breakerRecord(s, 'neutral', T0, opts)).toEqual(s);
    const opened = fail(undefined, 3, T0);
    expect(breakerRecord(opened, 'success', T0 + 10, opts)).toEqual(opened);
    expect(breakerRecord(opened, 'failure', T0 + 10, opts)).toEqual(opened);
  });

  it('goes half-open after the cool-down and lets only the probe limit through', () => {
    const { state, now } = halfOpen();
    expect(breakerAllows(state, now, opts)).toBe(true);
    const p1 = breakerAdmit(state, now, opts);
    expect(p1).toMatchObject({
      allowed: true,
      probe: now,
      state: { state: 'half_open', probes: 1 },
    });
    const p2 = breakerAdmit(p1.state, now, opts);
    expect(p2.allowed).toBe(true);
    const p3 = breakerAdmit(p2.state, now, opts);
    expect(p3.allowed).toBe(false);
    expect(breakerAllows(p2.state, now, opts)).toBe(false);
  });

  it('reads its phase at a time without changing it: open turns half-open when the cool-down ends', () => {
    const open = fail(undefined, 3, T0);
    expect(breakerPhase(undefined, T0)).toBe('closed');
    expect(breakerPhase(closedBreaker(T0), T0)).toBe('closed');
    expect(breakerPhase(open, T0 + 999)).toBe('open');
    expect(breakerPhase(open, T0 + 1000)).toBe('half_open');
    expect(open.state).toBe('open');
  });

  it('closes on a probe success and keeps the streak', () => {
    const { state, now } = halfOpen();
    const p = breakerAdmit(state, now, opts);
    const closed = breakerRecord(p.state, 'success', now + 5, opts, p.probe);
    expect(closed).toMatchObject({ state: 'closed', consecutive: 0, streak: 1, closedAt: now + 5 });
  });

  it('re-opens on a probe failure with a doubled, capped cool-down', () => {
    let { state, now } = halfOpen();
    const cooldowns: number[] = [];
    for (let i = 0; i < 4; i++) {
      const p = breakerAdmit(state, now, opts);
      state = breakerRecord(p.state, 'failure', now, opts, p.probe);
      if (state.state !== 'open') throw new Error('expected open');
      cooldowns.push(state.until - now);
      now = state.until;
    }
    expect(cooldowns).toEqual([2000, 4000, 4000, 4000]);
  });

  it('backs off further when it trips again soon after closing, not after a quiet spell', () => {
    const { state, now } = halfOpen();
    const p = breakerAdmit(state, now, opts);
    const closed = breakerRecord(p.state, 'success', now, opts, p.probe);
    const soon = fail(closed, 3, now + 100);
    expect(soon).toMatchObject({ state: 'open', streak: 2, until: now + 100 + 2000 });
    const later = fail(closed, 3, now + 60_000);
    expect(later).toMatchObject({ state: 'open', streak: 1, until: now + 60_000 + 1000 });
  });

  it('lets a neutral probe free its slot, but not answers from outside the spell', () => {
    const { state, now } = halfOpen();
    const p1 = breakerAdmit(state, now, opts);
    const p2 = breakerAdmit(p1.state, now, opts);
    const unrelated = breakerRecord(p2.state, 'neutral', now, opts, null);
    expect(unrelated).toEqual(p2.state);
    expect(breakerRecord(p2.state, 'failure', now, opts, null)).toEqual(p2.state);
    expect(breakerRecord(p2.state, 'success', now, opts, now - 1)).toEqual(p2.state);
    const freed = breakerRecord(p2.state, 'neutral', now, opts, p1.probe);
    expect(breakerAdmit(freed, now, opts).allowed).toBe(true);
  });

  it('never has more than the probe limit in flight in a half-open spell (property)', () => {
    type Op =
      | { t: 'admit' }
      | { t: 'answer'; pick: number; outcome: 'success' | 'failure' | 'neutral' }
      | { t: 'wait'; ms: number };
    // Weighted toward admits and failures so runs reach half-open often.
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.constant({ t: 'admit' as const }) },
      {
        weight: 3,
        arbitrary: fc.record({
          t: fc.constant('answer' as const),
          pick: fc.nat(),
          outcome: fc.constantFrom(
            'failure' as const,
            'failure' as const,
            'success' as const,
            'neutral' as const,
          ),
        }),
      },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('wait' as const), ms: fc.nat(3000) }) },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.array(op, { minLength: 10, maxLength: 200, size: 'max' }),
        (probes, ops) => {
          const o = { ...opts, halfOpenProbes: probes };
          let state: BreakerState = closedBreaker(T0);
          let now = T0;
          // Requests in flight, with the probe ticket each got.
          const inFlight: Array<number | null> = [];
          for (const step of ops) {
            if (step.t === 'wait') now += step.ms;
            else if (step.t === 'admit') {
              const a = breakerAdmit(state, now, o);
              state = a.state;
              if (a.allowed) inFlight.push(a.probe);
              if (state.state === 'half_open') {
                const spell = state.spell;
                const probing = inFlight.filter((p) => p === spell).length;
                expect(probing).toBeLessThanOrEqual(probes);
                expect(state.probes).toBeLessThanOrEqual(probes);
              }
              if (state.state === 'open') expect(a.allowed).toBe(false);
            } else if (inFlight.length > 0) {
              const [ticket] = inFlight.splice(step.pick % inFlight.length, 1);
              state = breakerRecord(state, step.outcome, now, o, ticket ?? null);
            }
          }
        },
      ),
    );
  });
});
