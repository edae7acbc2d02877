import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayEndMs, dayKey, hourStartMs, monthEndMs, monthKey } from './periods.ts';

const at = (iso: string): number => Date.parse(iso);

describe('UTC periods', () => {
  it('names the day and month of an instant', () => {
    expect(dayKey(at('2026-11-30T23:59:59.999Z'))).toBe('2026-11-30');
    expect(dayKey(at('2026-12-01T00:00:00.000Z'))).toBe('2026-12-01');
    expect(monthKey(at('2026-11-30T12:00:00Z'))).toBe('2026-11');
    expect(dayKey(at('2028-02-29T08:00:00Z'))).toBe('2028-02-29');
    expect(dayKey(0)).toBe('1970-01-01');
  });

  it('ends the day at the next UTC midnight and the month on the 1st', () => {
    expect(dayEndMs(at('2026-11-30T10:00:00Z'))).toBe(at('2026-12-01T00:00:00Z'));
    expect(monthEndMs(at('2026-11-30T10:00:00Z'))).toBe(at('2026-12-01T00:00:00Z'));
    expect(monthEndMs(at('2026-12-31T23:59:59Z'))).toBe(at('2027-01-01T00:00:00Z'));
    expect(monthEndMs(at('2028-02-01T00:00:00Z'))).toBe(at('2028-03-01T00:00:00Z'));
  });

  it('buckets by the start of the hour', () => {
    expect(hourStartMs(at('2026-11-30T10:59:59.999Z'))).toBe(at('2026-11-30T10:00:00Z'));
  });

  it('agrees with Date for any instant from 1970 to 2200', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7_258_118_400_000 }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(dayKey(ms)).toBe(iso.slice(0, 10));
        expect(monthKey(ms)).toBe(iso.slice(0, 7));
        const dayEnd = dayEndMs(ms);
        expect(dayKey(dayEnd - 1)).toBe(dayKey(ms));
        expect(dayKey(dayEnd)).not.toBe(dayKey(ms));
        const monthEnd = monthEndMs(ms);
        expect(monthKey(monthEnd - 1)).toBe(monthKey(ms));
        expect(new Date(monthEnd).toISOString()).toMatch(/-01T00:00:00\.000Z$/);
      }),
      { numRuns: 2000 },
    );
  });
});
