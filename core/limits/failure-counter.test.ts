import { describe, expect, it } from 'vitest';
import { FailureCounter } from './failure-counter.ts';

describe('FailureCounter', () => {
  const options = { maxFailures: 3, windowMs: 1000, maxEntries: 2 };

  it('blocks an address after maxFailures in a window, until the window ends', () => {
    const counter = new FailureCounter(options);
    for (let i = 0; i < 3; i++) {
      expect(counter.blockedFor('a', 100)).toBe(0);
      counter.recordFailure('a', 100);
    }
    expect(counter.blockedFor('a', 400)).toBe(700);
    expect(counter.blockedFor('b', 400)).toBe(0);
    expect(counter.blockedFor('a', 1100)).toBe(0);
  });

  it('forgets the oldest address when full', () => {
    const counter = new FailureCounter(options);
    for (const address of ['a', 'b', 'c']) {
      for (let i = 0; i < 3; i++) counter.recordFailure(address, 0);
    }
    expect(counter.size).toBe(2);
    expect(counter.blockedFor('a', 1)).toBe(0);
    expect(counter.blockedFor('c', 1)).toBeGreaterThan(0);
  });
});
