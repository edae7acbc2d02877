import * as z from 'zod';
import type { RateLimits } from './types.ts';

/** Upper bounds that keep GCRA arithmetic meaningful and catch a pasted-in typo. */
export const LIMIT_MAXIMUMS = {
  requestsPerMinute: 10_000_000,
  tokensPerMinute: 1e12,
  concurrentRequests: 1_000_000,
  tokensPerDay: 1e12,
  tokensPerMonth: 1e12,
} as const satisfies Record<keyof RateLimits, number>;

export type LimitName = keyof typeof LIMIT_MAXIMUMS;

export const LIMIT_NAMES = Object.keys(LIMIT_MAXIMUMS) as readonly LimitName[];

function count(max: number): z.ZodNumber {
  return z.number().int('must be an integer').positive('must be positive').max(max);
}

const fields = {
  requestsPerMinute: count(LIMIT_MAXIMUMS.requestsPerMinute),
  tokensPerMinute: count(LIMIT_MAXIMUMS.tokensPerMinute),
  concurrentRequests: count(LIMIT_MAXIMUMS.concurrentRequests),
  tokensPerDay: count(LIMIT_MAXIMUMS.tokensPerDay),
  tokensPerMonth: count(LIMIT_MAXIMUMS.tokensPerMonth),
};

/** A whole set of limits; strict, so a misspelt field is an error rather than no limit. */
export const rateLimitsSchema = z
  .object({
    requestsPerMinute: fields.requestsPerMinute.optional(),
    tokensPerMinute: fields.tokensPerMinute.optional(),
    concurrentRequests: fields.concurrentRequests.optional(),
    tokensPerDay: fields.tokensPerDay.optional(),
    tokensPerMonth: fields.tokensPerMonth.optional(),
  })
  .strict();

/** What an operator sends to change limits: a number sets a limit, null removes it, absent keeps it. */
export const rateLimitsPatchSchema = z
  .object({
    requestsPerMinute: fields.requestsPerMinute.nullable().optional(),
    tokensPerMinute: fields.tokensPerMinute.nullable().optional(),
    concurrentRequests: fields.concurrentRequests.nullable().optional(),
    tokensPerDay: fields.tokensPerDay.nullable().optional(),
    tokensPerMonth: fields.tokensPerMonth.nullable().optional(),
  })
  .strict();

export type RateLimitsPatch = z.infer<typeof rateLimitsPatchSchema>;

/** Drops undefined fields, so a parsed value fits RateLimits under exactOptionalPropertyTypes. */
export function toRateLimits(parsed: z.infer<typeof rateLimitsSchema>): RateLimits {
  const out: { -readonly [K in LimitName]?: number } = {};
  for (const name of LIMIT_NAMES) {
    const value = parsed[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Applies a patch: null removes a limit, a number sets it, an absent field keeps what was there. */
export function mergeLimits(current: RateLimits, patch: RateLimitsPatch): RateLimits {
  const out: { -readonly [K in LimitName]?: number } = {};
  for (const name of LIMIT_NAMES) {
    const change = patch[name];
    const value = change === undefined ? current[name] : change;
    if (value !== undefined && value !== null) out[name] = value;
  }
  return out;
}
