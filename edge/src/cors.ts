import { createMiddleware } from 'hono/factory';
import { cors } from 'hono/cors';
import type { MiddlewareHandler } from 'hono';
import type { Env } from './env.ts';

/** Headers a browser app may read: OpenAI clients look at the rate-limit ones. */
const EXPOSED = [
  'retry-after',
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
];

const handlers = new Map<string, MiddlewareHandler>();

function handlerFor(setting: string): MiddlewareHandler {
  let handler = handlers.get(setting);
  if (!handler) {
    const origins = setting
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o !== '');
    handler = cors({
      origin: origins.includes('*') ? '*' : origins,
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      exposeHeaders: EXPOSED,
      maxAge: 600,
    });
    handlers.clear(); // one deployment has one setting; never let this map grow
    handlers.set(setting, handler);
  }
  return handler;
}

/** CORS for the API as the operator configures it (CORS_ORIGINS); off when unset. */
export const corsFromEnv = createMiddleware<{ Bindings: Env }>(async (c, next) => {
  const setting = c.env.CORS_ORIGINS;
  if (!setting) return next();
  return handlerFor(setting)(c, next);
});
