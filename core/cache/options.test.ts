import { describe, expect, it } from 'vitest';
import { ProximaError } from '../protocol/errors.ts';
import { CACHE_DEFAULTS } from './defaults.ts';
import { parseCacheOptions } from './options.ts';

const tenant = { mode: 'semantic', threshold: 0.8, ttlSeconds: 600 } as const;

function paramOf(value: unknown): string | null {
  try {
    parseCacheOptions(value, tenant);
  } catch (err) {
    expect(err).toBeInstanceOf(ProximaError);
    expect((err as ProximaError).status).toBe(400);
    return (err as ProximaError).param;
  }
  throw new Error('expected a 400');
}

describe('parseCacheOptions', () => {
  it('takes the defaults when the field is absent or null', () => {
    const d = { mode: 'semantic', threshold: 0.8, ttlSeconds: 600, tags: [] };
    expect(parseCacheOptions(undefined, tenant)).toEqual(d);
    expect(parseCacheOptions(null, tenant)).toEqual(d);
    expect(parseCacheOptions({}, tenant)).toEqual(d);
    expect(parseCacheOptions(undefined)).toEqual({
      mode: CACHE_DEFAULTS.mode,
      threshold: CACHE_DEFAULTS.threshold,
      ttlSeconds: CACHE_DEFAULTS.ttlSeconds,
      tags: [],
    });
  });

  it('reads every field, and de-duplicates tags', () => {
    expect(
      parseCacheOptions(
        { mode: 'exact', threshold: 0.95, ttl: 30, tags: ['faq', 'team:ops', 'faq'] },
        tenant,
      ),
    ).toEqual({ mode: 'exact', threshold: 0.95, ttlSeconds: 30, tags: ['faq', 'team:ops'] });
    expect(parseCacheOptions({ threshold: 0.5, ttl: CACHE_DEFAULTS.maxTtlSeconds })).toMatchObject({
      threshold: 0.5,
      ttlSeconds: CACHE_DEFAULTS.maxTtlSeconds,
    });
    expect(parseCacheOptions({ mode: 'off', threshold: 1 }, tenant)).toMatchObject({
      mode: 'off',
      threshold: 1,
    });
  });

  it.each<[unknown, string]>([
    [{ mode: 'fuzzy' }, 'proxima.cache.mode'],
    [{ threshold: 0.49 }, 'proxima.cache.threshold'],
    [{ threshold: 1.01 }, 'proxima.cache.threshold'],
    [{ threshold: '0.9' }, 'proxima.cache.threshold'],
    [{ ttl: 0 }, 'proxima.cache.ttl'],
    [{ ttl: 1.5 }, 'proxima.cache.ttl'],
    [{ ttl: CACHE_DEFAULTS.maxTtlSeconds + 1 }, 'proxima.cache.ttl'],
    [{ tags: 'faq' }, 'proxima.cache.tags'],
    [{ tags: ['ok', 'not ok'] }, 'proxima.cache.tags[1]'],
    [
      { tags: Array.from({ length: CACHE_DEFAULTS.maxTags + 1 }, (_, i) => `t${i}`) },
      'proxima.cache.tags',
    ],
    [{ ttl: 60, extra: true }, 'proxima.cache'],
    ['semantic', 'proxima.cache'],
  ])('refuses %j with a 400 naming %s', (value, param) => {
    expect(paramOf(value)).toBe(param);
  });
});
