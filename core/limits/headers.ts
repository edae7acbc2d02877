import type { RateLimitStatus } from './types.ts';

/**
 * A duration as OpenAI's x-ratelimit-reset-* headers write it (Go's time.Duration format):
 * "0s", "20ms", "1s", "1.5s", "6m0s", "1h2m3.004s". Rounded up to whole milliseconds, so a reset
 * never reads earlier than it is.
 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const millis = total % 60_000;
  const whole = Math.floor(millis / 1000);
  const fraction = millis % 1000;
  const seconds = fraction === 0 ? `${whole}` : `${whole}.${String(fraction).padStart(3, '0')}`;
  const trimmed = seconds.includes('.') ? seconds.replace(/0+$/, '') : seconds;
  if (hours > 0) return `${hours}h${minutes}m${trimmed}s`;
  if (minutes > 0) return `${minutes}m${trimmed}s`;
  return `${trimmed}s`;
}

/**
 * OpenAI's rate-limit headers for a status; a header whose limit is not set is left out.
 * `retryAfterSeconds` (for a 429) adds Retry-After.
 */
export function rateLimitHeaders(
  status: RateLimitStatus,
  retryAfterSeconds?: number,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (status.limitRequests !== undefined) {
    headers['x-ratelimit-limit-requests'] = String(status.limitRequests);
    headers['x-ratelimit-remaining-requests'] = String(status.remainingRequests ?? 0);
    headers['x-ratelimit-reset-requests'] = formatDuration(status.resetRequestsMs ?? 0);
  }
  if (status.limitTokens !== undefined) {
    headers['x-ratelimit-limit-tokens'] = String(status.limitTokens);
    headers['x-ratelimit-remaining-tokens'] = String(status.remainingTokens ?? 0);
    headers['x-ratelimit-reset-tokens'] = formatDuration(status.resetTokensMs ?? 0);
  }
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  return headers;
}
