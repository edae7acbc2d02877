import { rateLimitsSchema } from '@proxima/core/limits';
import {
  FIELD_LIMITS,
  formatPath,
  ID_PATTERN,
  ID_RULE,
  MODEL_ID_PATTERN,
  MODEL_ID_RULE,
} from '@proxima/core/protocol';
import * as z from 'zod';

/**
 * Checks of the Limiter's RPC arguments. They come from our own Worker, but a wrong value must be
 * a clear Error at the boundary, never a NaN in a TAT or a counter.
 */

/** One request's tokens: far above any context window, far below float trouble in sums. */
export const REQUEST_TOKENS_MAX = 1e9;
/** A lease outlives any request the edge lets run. */
export const LEASE_MS_MAX = 24 * 3_600_000;
export const LATENCY_MS_MAX = 7 * 24 * 3_600_000;
/** Latest instant a JavaScript Date can hold. */
const EPOCH_MS_MAX = 8.64e15;

const id = z.string().regex(ID_PATTERN, `must be ${ID_RULE}`);
const tokens = z.number().int().nonnegative().max(REQUEST_TOKENS_MAX);
const bareId = ID_PATTERN.source.replace(/^\^/, '').replace(/\$$/, '');
const backend = z
  .string()
  .regex(
    new RegExp(`^(?:none|cache|(?:node|upstream):${bareId})$`),
    'must be none, cache, node:<id> or upstream:<id>',
  );

const acquireSchema = z
  .object({
    keyId: id,
    model: z.string().regex(MODEL_ID_PATTERN, `must be ${MODEL_ID_RULE}`),
    limits: z.object({ tenant: rateLimitsSchema, key: rateLimitsSchema }).strict(),
    estimatedTokens: tokens,
    leaseMs: z.number().int().positive().max(LEASE_MS_MAX),
  })
  .strict();

const usageEventSchema = z
  .object({
    keyId: id,
    model: z.string().regex(MODEL_ID_PATTERN, `must be ${MODEL_ID_RULE}`),
    backend,
    promptTokens: tokens,
    completionTokens: tokens,
    cacheHit: z.boolean(),
    error: id.max(FIELD_LIMITS.jobErrorCodeChars).nullable(),
    latencyMs: z.number().int().nonnegative().max(LATENCY_MS_MAX),
  })
  .strict();

const releaseSchema = z
  .object({ leaseId: id.nullable(), estimatedTokens: tokens, usage: usageEventSchema })
  .strict();

const usageQuerySchema = z
  .object({
    from: z.number().int().nonnegative().max(EPOCH_MS_MAX),
    to: z.number().int().nonnegative().max(EPOCH_MS_MAX),
    groupBy: z
      .array(z.enum(['key', 'model', 'backend', 'hour']))
      .max(4)
      .refine((groups) => new Set(groups).size === groups.length, 'must not repeat a group'),
  })
  .strict()
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

function check(schema: z.ZodType, value: unknown, method: string): void {
  const result = schema.safeParse(value);
  if (result.success) return;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` '${formatPath(issue.path)}'` : '';
  throw new Error(`Limiter.${method}: invalid${where}: ${issue?.message ?? 'invalid value'}`);
}

export const checkAcquire = (value: unknown): void => check(acquireSchema, value, 'acquire');
export const checkRelease = (value: unknown): void => check(releaseSchema, value, 'release');
/** The most events one batch may carry; the Worker's buffer flushes well before. */
export const USAGE_BATCH_MAX = 1000;

export const checkUsageBatch = (value: unknown): void =>
  check(z.array(usageEventSchema).max(USAGE_BATCH_MAX), value, 'recordUsageBatch');

export const checkUsageEvent = (value: unknown): void =>
  check(usageEventSchema, value, 'recordUsage');
export const checkUsageQuery = (tenant: unknown, query: unknown): void => {
  check(id, tenant, 'usage');
  check(usageQuerySchema, query, 'usage');
};
