import { describe, expect, it } from 'vitest';
import { TtlCache } from './ttl-cache.ts';

const options = { ttlMs: 100, maxEntries: 10, maxBytes: 10_000 };

describe('TtlCache', () => {
  it('returns a value until it expires', () => {
    const cache = new TtlCache<string>(options);
    cache.set('k', 'v', 1000);
    expect(cache.get('k', 1099)).toBe('v');
    expect(cache.get('k', 1100)).toBeUndefined();
  });

  it('evicts the oldest entry at capacity', () => {
    const cache = new TtlCache<number>({ ...options, ttlMs: 1000, maxEntries: 2 });
    cache.set('a', 1, 0);
    cache.set('b', 2, 0);
    cache.set('c', 3, 0);
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('b', 1)).toBe(2);
    expect(cache.get('c', 1)).toBe(3);
  });

  it('forgets a deleted key and its bytes', () => {
    const cache = new TtlCache<number>(options);
    cache.set('a', 1, 0);
    cache.delete('a');
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.bytes).toBe(0);
  });

  it('stays within its byte budget, evicting the oldest first', () => {
    const cache = new TtlCache<string>({
      ttlMs: 1000,
      maxEntries: 1000,
      maxBytes: 1000,
      sizeOf: (k, v) => k.length + v.length,
    });
    for (let i = 0; i < 100; i++) cache.set(`key-${i}`, 'x'.repeat(95), 0);
    expect(cache.bytes).toBeLessThanOrEqual(1000);
    expect(cache.get('key-99', 1)).toBeDefined();
    expect(cache.get('key-0', 1)).toBeUndefined();
    // An entry larger than the whole budget is not cached and evicts nothing.
    cache.set('huge', 'x'.repeat(2000), 0);
    expect(cache.get('huge', 1)).toBeUndefined();
    expect(cache.get('key-99', 1)).toBeDefined();
  });

  it('sweeps expired entries on write, so memory does not stay with dead keys', () => {
    const cache = new TtlCache<number>({ ...options, maxEntries: 1000, maxBytes: 1_000_000 });
    for (let i = 0; i < 500; i++) cache.set(`old-${i}`, i, 0);
    expect(cache.size).toBe(500);
    cache.set('new', 1, 200);
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBe('new'.length * 2 + 64);
  });
});
