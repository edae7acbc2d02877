import { describe, expect, it } from 'vitest';
import type { AuthRecord } from './auth.ts';
import { AuthCache } from './auth-cache.ts';

const record = (tenant: string, expiresAt: number | null = null): AuthRecord => ({
  tenant,
  keyId: 'key_000000000001',
  keyName: 'k',
  limits: { tenant: {}, key: {} },
  scopes: ['chat', 'models'],
  expiresAt,
});
const options = { freshMs: 1000, refreshAfterMs: 500, outageGraceMs: 5000, maxEntries: 2 };

describe('AuthCache', () => {
  it('serves a hit while its version was confirmed by a read started within freshMs', () => {
    const cache = new AuthCache(options);
    expect(cache.observe(3, 100, { hash: 'h', record: record('a') })).toBe(true);
    expect(cache.lookup('h', 400)).toMatchObject({ kind: 'hit', refresh: false });
    expect(cache.lookup('h', 700)).toMatchObject({ kind: 'hit', refresh: true });
    expect(cache.lookup('h', 1101)).toMatchObject({ kind: 'stale', usableInOutage: true });
    expect(cache.lookup('h', 5101)).toMatchObject({ kind: 'stale', usableInOutage: false });
    cache.observe(3, 1050);
    expect(cache.lookup('h', 1101)).toMatchObject({ kind: 'hit', refresh: false });
  });

  it('drops every answer when a read shows a newer version (a revocation)', () => {
    const cache = new AuthCache(options);
    cache.observe(3, 0, { hash: 'h', record: record('a') });
    cache.observe(4, 10);
    expect(cache.lookup('h', 20)).toEqual({ kind: 'miss' });
  });

  it('never caches an answer read at an older version than it knows', () => {
    const cache = new AuthCache(options);
    cache.observe(5, 100);
    expect(cache.observe(4, 50, { hash: 'h', record: record('a') })).toBe(false);
    expect(cache.lookup('h', 120)).toEqual({ kind: 'miss' });
  });

  it('a slow read does not move the confirmation back', () => {
    const cache = new AuthCache(options);
    cache.observe(1, 900, { hash: 'h', record: record('a') });
    cache.observe(1, 100);
    expect(cache.lookup('h', 1800)).toMatchObject({ kind: 'hit' });
  });

  it('treats an expired key as a miss, and a null record removes the entry', () => {
    const cache = new AuthCache(options);
    cache.observe(1, 0, { hash: 'h', record: record('a', 50) });
    expect(cache.lookup('h', 49)).toMatchObject({ kind: 'hit' });
    expect(cache.lookup('h', 50)).toEqual({ kind: 'miss' });
    cache.observe(1, 0, { hash: 'g', record: record('b') });
    cache.observe(1, 1, { hash: 'g', record: null });
    expect(cache.lookup('g', 2)).toEqual({ kind: 'miss' });
  });

  it('holds at most maxEntries, dropping the oldest', () => {
    const cache = new AuthCache(options);
    for (const h of ['a', 'b', 'c']) cache.observe(1, 0, { hash: h, record: record(h) });
    expect(cache.size).toBe(2);
    expect(cache.lookup('a', 1)).toEqual({ kind: 'miss' });
    expect(cache.lookup('c', 1)).toMatchObject({ kind: 'hit' });
  });

  it('clear forgets answers and the confirmation', () => {
    const cache = new AuthCache(options);
    cache.observe(1, 0, { hash: 'h', record: record('a') });
    cache.clear();
    expect(cache.lookup('h', 1)).toEqual({ kind: 'miss' });
    cache.observe(1, 2, { hash: 'h', record: record('a') });
    expect(cache.lookup('h', 3)).toMatchObject({ kind: 'hit' });
  });
});
