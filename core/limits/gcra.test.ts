import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gcraAdjust, gcraCheck, gcraRemaining, gcraResetMs, WINDOW_MS } from './gcra.ts';

const T0 = 1_790_000_000_000; // an epoch-sized clock, where float rounding would show

/** Drives a limiter through arrivals and returns the times and costs it allowed. */
function run(limit: number, arrivals: ReadonlyArray<{ at: number; cost: number }>) {
  let tat = 0;
  const allowed: Array<{ at: number; cost: number }> = [];
  for (const a of arrivals) {
    const check = gcraCheck(tat, limit, a.cost, a.at);
    if (check.ok) {
      tat = check.tat;
      allowed.push(a);
    }
  }
  return allowed;
}

describe('gcraCheck', () => {
  it('allows a burst of exactly L, then one per emission interval', () => {
    const allowed = run(
      60,
      Array.from({ length: 100 }, () => ({ at: T0, cost: 1 })),
    );
    expect(allowed).toHaveLength(60);
    let tat = T0 + WINDOW_MS;
    const denied = gcraCheck(tat, 60, 1, T0);
    expect(denied).toEqual({ ok: false, retryAfterMs: 1000 });
    const later = gcraCheck(tat, 60, 1, T0 + 1000);
    expect(later.ok).toBe(true);
    if (later.ok) tat = later.tat;
    expect(tat).toBe(T0 + 1000 + WINDOW_MS);
  });

  it('allows a full burst when the emission interval is not a whole number (L = 7)', () => {
    expect(
      run(
        7,
        Array.from({ length: 8 }, () => ({ at: T0, cost: 1 })),
      ),
    ).toHaveLength(7);
  });

  it('refuses for ever a cost larger than the limit', () => {
    expect(gcraCheck(0, 100, 101, T0)).toEqual({ ok: false, retryAfterMs: Infinity });
    expect(gcraCheck(0, 100, 100, T0).ok).toBe(true);
  });

  it('a TAT in the past is a full allowance', () => {
    expect(gcraRemaining(T0 - 5 * WINDOW_MS, 10, T0)).toBe(10);
    expect(gcraResetMs(T0 - 5, T0)).toBe(0);
  });

  it('reports remaining allowance and time to full', () => {
    const tat = T0 + 30_000; // half a window of debt at 10/min: 5 used
    expect(gcraRemaining(tat, 10, T0)).toBe(5);
    expect(gcraResetMs(tat, T0)).toBe(30_000);
    expect(gcraRemaining(T0 + 90_000, 10, T0)).toBe(0);
  });
});

describe('gcraAdjust', () => {
  it('refunds by whole emission intervals but never below now', () => {
    expect(gcraAdjust(T0 + 30_000, 10, -2, T0)).toBe(T0 + 18_000);
    expect(gcraAdjust(T0 + 30_000, 10, -100, T0)).toBe(T0);
    expect(gcraAdjust(T0 - 99_000, 10, -1, T0)).toBe(T0);
  });

  it('charges an overshoot from now when the scope was idle, uncapped', () => {
    expect(gcraAdjust(T0 - 99_000, 10, 3, T0)).toBe(T0 + 18_000);
    expect(gcraAdjust(T0 + 50_000, 10, 5, T0)).toBe(T0 + 80_000);
    expect(gcraRemaining(T0 + 80_000, 10, T0)).toBe(0);
  });
});

describe('GCRA properties', () => {
  it('never allows more than L + (elapsed / 60000) * L over any interval', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 50 })), {
          maxLength: 150,
        }),
        (limit, steps) => {
          let at = T0;
          const arrivals = steps.map(([gap, cost]) => ({ at: (at += gap), cost }));
          const allowed = run(limit, arrivals);
          for (let i = 0; i < allowed.length; i++) {
            let sum = 0;
            for (let j = i; j < allowed.length; j++) {
              sum += allowed[j]!.cost;
              const elapsed = allowed[j]!.at - allowed[i]!.at;
              expect(sum).toBeLessThanOrEqual(limit + (elapsed / WINDOW_MS) * limit + 1e-6);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('driven at twice its rate, allows the configured rate within 1% after the burst', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 20_000 }), (limit) => {
        const gap = WINDOW_MS / (2 * limit);
        let tat = 0;
        let inThirdMinute = 0;
        for (let i = 0; i < 6 * limit; i++) {
          const now = T0 + i * gap;
          const check = gcraCheck(tat, limit, 1, now);
          if (!check.ok) continue;
          tat = check.tat;
          if (now >= T0 + 2 * WINDOW_MS) inThirdMinute++;
        }
        expect(Math.abs(inThirdMinute - limit)).toBeLessThanOrEqual(limit * 0.01);
      }),
      { numRuns: 30 },
    );
  });

  it('adjusting by the difference equals having charged the actual cost', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.nat(10_000),
        fc.nat(10_000),
        (limit, estimated, actual) => {
          fc.pre(estimated <= limit && actual <= limit);
          const reserved = gcraCheck(0, limit, estimated, T0);
          const direct = gcraCheck(0, limit, actual, T0);
          if (!reserved.ok || !direct.ok) throw new Error('a cost within the limit must pass');
          const adjusted = gcraAdjust(reserved.tat, limit, actual - estimated, T0);
          // Equal up to the TAT's float resolution at epoch scale (~0.25 µs).
          expect(Math.abs(adjusted - direct.tat)).toBeLessThan(1e-3);
        },
      ),
    );
  });
});
