import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { latencyAt, observeLatency, peakEwmaCost, type PeakEwmaOptions } from './peak-ewma.ts';

const T0 = 1_790_000_000_000;
const opts: PeakEwmaOptions = { decayMs: 1000, initialMs: 100 };

describe('peak-EWMA', () => {
  it('starts at the first sample, and at the initial value with none', () => {
    expect(latencyAt(undefined, T0, opts)).toBe(100);
    expect(observeLatency(undefined, 40, T0, opts)).toEqual({ estimateMs: 40, at: T0 });
  });

  it('jumps to a sample above the estimate', () => {
    const s = observeLatency({ estimateMs: 50, at: T0 }, 900, T0 + 1, opts);
    expect(s.estimateMs).toBe(900);
  });

  it('decays toward lower samples by the injected elapsed time', () => {
    const high = { estimateMs: 1000, at: T0 };
    // No time passed: a lower sample has no weight yet.
    expect(observeLatency(high, 0, T0, opts).estimateMs).toBe(1000);
    // One time constant: e^-1 of the old estimate remains.
    expect(observeLatency(high, 0, T0 + 1000, opts).estimateMs).toBeCloseTo(1000 * Math.exp(-1));
    // Long after, the sample dominates.
    expect(observeLatency(high, 10, T0 + 20_000, opts).estimateMs).toBeCloseTo(10, 3);
  });

  it('treats a clock stepping back as no time passing', () => {
    const s = observeLatency({ estimateMs: 1000, at: T0 }, 0, T0 - 5000, opts);
    expect(s).toEqual({ estimateMs: 1000, at: T0 });
  });

  it('drifts back to the initial value while idle', () => {
    const stalled = { estimateMs: 5000, at: T0 };
    expect(latencyAt(stalled, T0, opts)).toBe(5000);
    expect(latencyAt(stalled, T0 + 1000, opts)).toBeCloseTo(100 + 4900 * Math.exp(-1));
    expect(latencyAt(stalled, T0 + 60_000, opts)).toBeCloseTo(100, 6);
  });

  it('scales the cost by the work outstanding', () => {
    const s = { estimateMs: 200, at: T0 };
    expect(peakEwmaCost(s, 0, T0, opts)).toBe(200);
    expect(peakEwmaCost(s, 3, T0, opts)).toBe(800);
    expect(peakEwmaCost(undefined, 1, T0, opts)).toBe(200);
  });

  it('never falls below the lowest sample nor rises above the highest (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.nat(10_000)), { minLength: 1 }),
        (samples) => {
          let state;
          let now = T0;
          for (const [ms, gap] of samples) {
            now += gap;
            state = observeLatency(state, ms, now, opts);
          }
          const values = samples.map(([ms]) => ms);
          expect(state?.estimateMs).toBeGreaterThanOrEqual(Math.min(...values) - 1e-9);
          expect(state?.estimateMs).toBeLessThanOrEqual(Math.max(...values));
          // The peak: the estimate is at least the last sample.
          expect(state?.estimateMs).toBeGreaterThanOrEqual((values.at(-1) ?? 0) - 1e-9);
        },
      ),
    );
  });
});
