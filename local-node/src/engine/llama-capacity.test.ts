import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MEMORY_HEADROOM, slotsThatFit, usableSlots } from './llama-capacity.ts';

const GIB = 2 ** 30;
const bytes = fc.integer({ min: 0, max: 256 * GIB });
const pool = fc.record({ freeBytes: bytes, totalBytes: bytes });
const cost = fc.record({
  baseBytes: fc.integer({ min: 0, max: 8 * GIB }),
  perSlotBytes: fc.integer({ min: 0, max: 4 * GIB }),
});
const cap = fc.integer({ min: 1, max: 64 });

/** What contexts of n slots need, headroom included. */
const need = (c: { baseBytes: number; perSlotBytes: number }, n: number, total: number) =>
  c.baseBytes + (n - 1) * c.perSlotBytes + total * MEMORY_HEADROOM;

describe('slotsThatFit', () => {
  it('is the most slots, 1 to cap, that fit (or 1 when none does)', () => {
    fc.assert(
      fc.property(pool, cost, cap, (p, c, max) => {
        const n = slotsThatFit(p, c, max);
        expect(Number.isSafeInteger(n)).toBe(true);
        expect(n).toBeGreaterThanOrEqual(1);
        expect(n).toBeLessThanOrEqual(max);
        if (n > 1) expect(need(c, n, p.totalBytes)).toBeLessThanOrEqual(p.freeBytes);
        if (n < max) expect(need(c, n + 1, p.totalBytes)).toBeGreaterThan(p.freeBytes);
      }),
    );
  });

  it('never gives fewer slots for more free memory', () => {
    fc.assert(
      fc.property(pool, bytes, cost, cap, (p, more, c, max) => {
        const grown = { ...p, freeBytes: p.freeBytes + more };
        expect(slotsThatFit(grown, c, max)).toBeGreaterThanOrEqual(slotsThatFit(p, c, max));
      }),
    );
  });

  it('works a known case: 24 GiB free of 24, 2 GiB base, 1 GiB a slot', () => {
    const p = { freeBytes: 24 * GIB, totalBytes: 24 * GIB };
    // 24 - 1.2 (headroom) - 2 = 20.8 GiB after the first slot: 20 more.
    expect(slotsThatFit(p, { baseBytes: 2 * GIB, perSlotBytes: GIB }, 64)).toBe(21);
    expect(slotsThatFit(p, { baseBytes: 2 * GIB, perSlotBytes: GIB }, 8)).toBe(8);
    expect(slotsThatFit(p, { baseBytes: 2 * GIB, perSlotBytes: 0 }, 8)).toBe(8);
    expect(
      slotsThatFit({ ...p, freeBytes: GIB }, { baseBytes: 2 * GIB, perSlotBytes: GIB }, 8),
    ).toBe(1);
  });
});

describe('usableSlots', () => {
  it('counts what the engine holds as its own, and never exceeds what it allocated', () => {
    fc.assert(
      fc.property(pool, cost, cap, fc.integer({ min: 1, max: 64 }), (before, c, max, wanted) => {
        // Startup: `allocated` fitted in `before`; the contexts then took their estimate.
        const allocated = Math.min(wanted, slotsThatFit(before, c, max));
        const own = c.baseBytes + (allocated - 1) * c.perSlotBytes;
        const after = { ...before, freeBytes: Math.max(0, before.freeBytes - own) };
        const usable = usableSlots(after, own, c, max, allocated);
        expect(usable).toBeLessThanOrEqual(allocated);
        // Nothing else changed: all of them stay usable (unless the contexts never fitted).
        if (before.freeBytes >= own) expect(usable).toBe(allocated);
      }),
    );
  });

  it('drops when another process takes memory, and comes back when it frees it', () => {
    const MIB = 2 ** 20;
    const c = { baseBytes: 2048 * MIB, perSlotBytes: 1024 * MIB };
    const free = (mib: number) => ({ freeBytes: mib * MIB, totalBytes: 12288 * MIB });
    // Startup: 12 GiB free, less 0.6 GiB headroom and the 2 GiB base: 9.4 GiB, 9 more slots.
    const allocated = slotsThatFit(free(12288), c, 64);
    expect(allocated).toBe(10);
    const own = c.baseBytes + 9 * c.perSlotBytes; // 11 GiB: 1 GiB stays free
    expect(usableSlots(free(1024), own, c, 64, allocated)).toBe(10);
    expect(usableSlots(free(512), own, c, 64, allocated)).toBe(9); // someone took 0.5 GiB
    expect(usableSlots(free(0), own, c, 64, allocated)).toBe(9); // what the engine holds stays its own
    expect(usableSlots(free(1024), own, c, 64, allocated)).toBe(10); // freed again
    expect(usableSlots(free(8192), own, c, 64, allocated)).toBe(10); // never above the startup count
  });
});
