import { describe, expect, it } from 'vitest';
import { TtlCache } from './ttl-cache.ts';

describe('TtlCache', () => {
  it('returns a value until it expires', () => {
    const cache = new TtlCache<string>(100, 10);
    cache.set('k', 'v', 1000);
    expect(cache.get('k', 1099)).toBe('v');
    expect(cache.get('k', 1100)).toBeUndefined();
  });

  it('evicts the oldest entry at capacity', () => {
    const cache = new TtlCache<number>(1000, 2);
    cache.set('a', 1, 0);
    cache.set('b', 2, 0);
    cache.set('c', 3, 0);
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('b', 1)).toBe(2);
    expect(cache.get('c', 1)).toBe(3);
  });

  it('forgets a deleted key', () => {
    const cache = new TtlCache<number>(1000, 2);
    cache.set('a', 1, 0);
    cache.delete('a');
    expect(cache.get('a', 1)).toBeUndefined();
  });
});
