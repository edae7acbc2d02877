import { describe, expect, it } from 'vitest';
import { mergeLimits, rateLimitsPatchSchema, rateLimitsSchema, toRateLimits } from './schema.ts';

describe('rateLimitsSchema', () => {
  it('accepts any subset of positive integer limits', () => {
    expect(
      toRateLimits(rateLimitsSchema.parse({ requestsPerMinute: 60, tokensPerDay: 1e6 })),
    ).toEqual({
      requestsPerMinute: 60,
      tokensPerDay: 1e6,
    });
    expect(toRateLimits(rateLimitsSchema.parse({}))).toEqual({});
  });

  it.each([
    [{ requestsPerMinute: 0 }],
    [{ requestsPerMinute: -1 }],
    [{ tokensPerMinute: 1.5 }],
    [{ requestsPerMinute: 10_000_001 }],
    [{ tokensPerMonth: 1e12 + 1 }],
    [{ concurrentRequests: '4' }],
    [{ requestsPerMinute: null }],
    [{ requestPerMinute: 60 }],
  ])('refuses %j', (value) => {
    expect(rateLimitsSchema.safeParse(value).success).toBe(false);
  });
});

describe('rateLimitsPatchSchema and mergeLimits', () => {
  it('sets with a number, removes with null, keeps what is absent', () => {
    const patch = rateLimitsPatchSchema.parse({ requestsPerMinute: null, tokensPerMinute: 500 });
    expect(mergeLimits({ requestsPerMinute: 60, tokensPerDay: 10 }, patch)).toEqual({
      tokensPerMinute: 500,
      tokensPerDay: 10,
    });
  });

  it('is strict about field names', () => {
    expect(rateLimitsPatchSchema.safeParse({ tokensPerMin: null }).success).toBe(false);
  });
});
