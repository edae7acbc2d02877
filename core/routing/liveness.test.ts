import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLEAR_AFTER_ON_TIME,
  freshLiveness,
  GONE_AFTER_INTERVALS,
  livenessAt,
  onHeartbeat,
  SUSPECT_AFTER_INTERVALS,
  type Liveness,
  type LivenessVerdict,
} from './liveness.ts';

const T0 = 1_790_000_000_000;
const I = 1000;

describe('liveness', () => {
  it('a fresh node is healthy', () => {
    const l = freshLiveness(T0);
    expect(l).toEqual({ lastHeartbeatAt: T0, suspect: false, onTimeStreak: 0 });
    expect(livenessAt(l, T0, I)).toBe('healthy');
  });

  it('silence turns healthy into suspect after 1.5 intervals and gone after 3', () => {
    const l = freshLiveness(T0);
    expect(livenessAt(l, T0 + SUSPECT_AFTER_INTERVALS * I, I)).toBe('healthy');
    expect(livenessAt(l, T0 + SUSPECT_AFTER_INTERVALS * I + 1, I)).toBe('suspect');
    expect(livenessAt(l, T0 + GONE_AFTER_INTERVALS * I, I)).toBe('suspect');
    expect(livenessAt(l, T0 + GONE_AFTER_INTERVALS * I + 1, I)).toBe('gone');
  });

  it('an on-time heartbeat keeps it healthy and grows the streak', () => {
    let l = freshLiveness(T0);
    l = onHeartbeat(l, T0 + I, I);
    l = onHeartbeat(l, T0 + 2 * I + 500, I); // exactly 1.5 intervals: still on time
    expect(l).toEqual({ lastHeartbeatAt: T0 + 2.5 * I, suspect: false, onTimeStreak: 2 });
    expect(livenessAt(l, T0 + 2.5 * I, I)).toBe('healthy');
  });

  it('a late heartbeat makes it suspect with a zero streak, even though it just beat', () => {
    const l = onHeartbeat(freshLiveness(T0), T0 + 2 * I, I);
    expect(l).toEqual({ lastHeartbeatAt: T0 + 2 * I, suspect: true, onTimeStreak: 0 });
    expect(livenessAt(l, T0 + 2 * I, I)).toBe('suspect');
  });

  it(`a suspect node clears only after ${CLEAR_AFTER_ON_TIME} on-time heartbeats in a row`, () => {
    let l = onHeartbeat(freshLiveness(T0), T0 + 2 * I, I);
    let t = T0 + 2 * I;
    for (let k = 1; k < CLEAR_AFTER_ON_TIME; k++) {
      t += I;
      l = onHeartbeat(l, t, I);
      expect(livenessAt(l, t, I)).toBe('suspect');
    }
    t += I;
    l = onHeartbeat(l, t, I);
    expect(l.suspect).toBe(false);
    expect(livenessAt(l, t, I)).toBe('healthy');
  });

  it('a node alternating late and on-time heartbeats never flaps back to healthy', () => {
    let l = freshLiveness(T0);
    let t = T0;
    const seen = new Set<LivenessVerdict>();
    for (let k = 0; k < 50; k++) {
      t += k % 2 === 0 ? 2 * I : I;
      l = onHeartbeat(l, t, I);
      seen.add(livenessAt(l, t, I));
    }
    expect([...seen]).toEqual(['suspect']);
  });

  it('a clock stepping back counts as on time and never moves lastHeartbeatAt back', () => {
    const l = onHeartbeat(freshLiveness(T0), T0 - 5000, I);
    expect(l).toEqual({ lastHeartbeatAt: T0, suspect: false, onTimeStreak: 1 });
  });

  it('property: for a fixed state the verdict only worsens as now grows', () => {
    const rank: Record<LivenessVerdict, number> = { healthy: 0, suspect: 1, gone: 2 };
    const state = fc.record<Liveness>({
      lastHeartbeatAt: fc.integer({ min: T0 - 1e6, max: T0 + 1e6 }),
      suspect: fc.boolean(),
      onTimeStreak: fc.nat(10),
    });
    fc.assert(
      fc.property(
        state,
        fc.integer({ min: 1, max: 60_000 }),
        fc.array(fc.integer({ min: T0 - 2e6, max: T0 + 2e6 }), { minLength: 2, maxLength: 20 }),
        (l, interval, times) => {
          const verdicts = [...times]
            .sort((a, b) => a - b)
            .map((t) => rank[livenessAt(l, t, interval)]);
          for (let k = 1; k < verdicts.length; k++)
            expect(verdicts[k]).toBeGreaterThanOrEqual(verdicts[k - 1] ?? 0);
        },
      ),
    );
  });
});
