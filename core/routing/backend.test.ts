import { describe, expect, it } from 'vitest';
import { freeSlots, hasRoom, isWarm, outstanding, type Backend } from './backend.ts';

const base: Backend = {
  id: 'n1',
  tier: 'node',
  models: ['m1', 'm2'],
  warmModels: ['m1'],
  costPer1kTokens: 0,
  priority: 0,
  capacity: { slots: 2, inFlight: 1, queued: 3, vramFreeBytes: 1000 },
  draining: false,
  suspect: false,
  degraded: false,
  canContinue: true,
};

describe('backend capacity', () => {
  it('counts free slots and outstanding work', () => {
    expect(freeSlots(base)).toBe(1);
    expect(outstanding(base)).toBe(4);
    expect(freeSlots({ ...base, capacity: { ...base.capacity, inFlight: 5 } })).toBe(0);
  });

  it('needs a free slot', () => {
    expect(hasRoom(base, 'm1')).toBe(true);
    expect(hasRoom({ ...base, capacity: { ...base.capacity, inFlight: 2 } }, 'm1')).toBe(false);
  });

  it('needs VRAM only to load a cold model, and only when both amounts are known', () => {
    expect(isWarm(base, 'm1')).toBe(true);
    expect(hasRoom(base, 'm1', 5000)).toBe(true);
    expect(hasRoom(base, 'm2', 5000)).toBe(false);
    expect(hasRoom(base, 'm2', 1000)).toBe(true);
    expect(hasRoom(base, 'm2')).toBe(true);
    expect(
      hasRoom({ ...base, capacity: { ...base.capacity, vramFreeBytes: null } }, 'm2', 5000),
    ).toBe(true);
  });

  it('survives a JSON round trip', () => {
    expect(JSON.parse(JSON.stringify(base))).toEqual(base);
  });
});
