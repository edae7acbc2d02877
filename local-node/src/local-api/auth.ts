// `Authorization: Bearer <key>` on every route but the health check and Ollama's version probe,
// when the local API has a key.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ProximaError } from '@proxima/core/protocol';
import type { MiddlewareHandler } from 'hono';
import type { LocalEnv } from './http.ts';

/** Open without a key: liveness probes and clients that check the server before they log in. */
export const OPEN_PATHS: ReadonlySet<string> = new Set(['/healthz', '/api/version']);

const digest = (text: string) => createHash('sha256').update(text).digest();

export function requireKey(apiKey: string | undefined): MiddlewareHandler<LocalEnv> {
  const expected = apiKey === undefined ? null : digest(apiKey);
  return async (c, next) => {
    if (expected !== null && !OPEN_PATHS.has(c.req.path)) {
      const header = c.req.header('authorization') ?? '';
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      // Digests of equal length, compared in constant time: the key's length does not leak either.
      if (match === null || !timingSafeEqual(digest(match[1]!), expected))
        throw new ProximaError(
          'invalid_api_key',
          match === null
            ? 'Missing API key: send Authorization: Bearer <key>.'
            : 'Invalid API key.',
          { headers: { 'www-authenticate': 'Bearer' } },
        );
    }
    await next();
  };
}
