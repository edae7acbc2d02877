import { describe, expect, it } from 'vitest';
import { formatDuration, rateLimitHeaders } from './headers.ts';

describe('formatDuration', () => {
  it('writes durations the way OpenAI does', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(20)).toBe('20ms');
    expect(formatDuration(0.2)).toBe('1ms');
    expect(formatDuration(1000)).toBe('1s');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(7660)).toBe('7.66s');
    expect(formatDuration(360_000)).toBe('6m0s');
    expect(formatDuration(61_005)).toBe('1m1.005s');
    expect(formatDuration(3_723_000)).toBe('1h2m3s');
  });
});

describe('rateLimitHeaders', () => {
  it('names every x-ratelimit header for the limits that are set', () => {
    expect(
      rateLimitHeaders({
        limitRequests: 60,
        remainingRequests: 59,
        resetRequestsMs: 1000,
        limitTokens: 150_000,
        remainingTokens: 149_984,
        resetTokensMs: 6.4,
      }),
    ).toEqual({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-limit-tokens': '150000',
      'x-ratelimit-remaining-tokens': '149984',
      'x-ratelimit-reset-tokens': '7ms',
    });
  });

  it('omits headers of limits that are not set, and adds Retry-After when given', () => {
    expect(
      rateLimitHeaders({ limitTokens: 10, remainingTokens: 0, resetTokensMs: 360_000 }, 3),
    ).toEqual({
      'x-ratelimit-limit-tokens': '10',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '6m0s',
      'retry-after': '3',
    });
    expect(rateLimitHeaders({})).toEqual({});
  });
});
