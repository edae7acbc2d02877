// The request's `proxima.cache` extension field: mode, threshold, ttl, tags. Bad input is a 400
// naming the field (proxima.cache.threshold…); absent fields take the tenant's defaults.
import * as z from 'zod';
import { parseOrThrow } from '../protocol/validation.ts';
import { CACHE_DEFAULTS, type CacheMode } from './defaults.ts';

export interface CacheOptions {
  readonly mode: CacheMode;
  readonly threshold: number;
  readonly ttlSeconds: number;
  readonly tags: readonly string[];
}

export type CacheOptionDefaults = Pick<CacheOptions, 'mode' | 'threshold' | 'ttlSeconds'>;

const D = CACHE_DEFAULTS;

const schema = z.object({
  proxima: z.object({
    cache: z
      .strictObject({
        mode: z.enum(['off', 'exact', 'semantic']).optional(),
        threshold: z.number().min(D.minThreshold).max(D.maxThreshold).optional(),
        ttl: z.number().int().min(1).max(D.maxTtlSeconds).optional(),
        tags: z
          .array(z.string().regex(D.tagPattern, `must be ${D.tagRule}`))
          .max(D.maxTags)
          .optional(),
      })
      .nullish(),
  }),
});

/** Parses `proxima.cache` (undefined or null: the defaults). Throws ProximaError 400. */
export function parseCacheOptions(value: unknown, defaults: CacheOptionDefaults = D): CacheOptions {
  // Parsed inside its real position so that errors name the full path (proxima.cache.ttl).
  const cache = parseOrThrow(schema, { proxima: { cache: value } }, 'proxima.cache').proxima.cache;
  return {
    mode: cache?.mode ?? defaults.mode,
    threshold: cache?.threshold ?? defaults.threshold,
    ttlSeconds: cache?.ttl ?? defaults.ttlSeconds,
    tags: [...new Set(cache?.tags ?? [])],
  };
}
