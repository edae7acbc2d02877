import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, scaled by jitter', () => {
    const top = () => 0.999999;
    expect(backoffDelay(0, top)).toBe(499);
    expect(backoffDelay(3, top)).toBe(3999);
    expect(backoffDelay(20, top)).toBe(29_999);
    expect(backoffDelay(1000, top)).toBe(29_999);
  });

  it('can be zero (full jitter)', () => {
    expect(backoffDelay(5, () => 0)).toBe(0);
  });
});
