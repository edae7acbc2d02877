import { DASHBOARD_PATHS } from '@proxima/core/dashboard';
import { ProximaError, quote } from '@proxima/core/protocol';
import { Hono, type MiddlewareHandler } from 'hono';
import { type DashboardFile, DASHBOARD_FILES } from '../../dist/dashboard/assets.ts';
import type { Env } from '../env.ts';
import { errorResponse } from '../errors.ts';

/** The page loads only its own script, style and API; nothing inline, no framing. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const ASSETS = `${DASHBOARD_PATHS.page}/assets/`;

function withSecurityHeaders(res: Response): Response {
  const set = (r: Response) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) r.headers.set(name, value);
    return r;
  };
  try {
    return set(res);
  } catch {
    // Immutable headers (a response passed through from fetch): copy it first.
    const { status, statusText } = res;
    return set(new Response(res.body, { status, statusText, headers: new Headers(res.headers) }));
  }
}

/**
 * Sets the security headers on every dashboard answer. Mounted before the dashboard API's routes,
 * it covers those and the not-found answers too.
 */
export const dashboardSecurityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.res = withSecurityHeaders(c.res);
};

/** Does If-None-Match name this entity tag? (A list, weak or strong, or '*'.) */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

function serve(
  file: DashboardFile,
  cacheControl: string,
  ifNoneMatch: string | undefined,
): Response {
  const etag = `"${file.etag}"`;
  const headers = new Headers({ etag, 'cache-control': cacheControl });
  if (matches(ifNoneMatch, etag)) return new Response(null, { status: 304, headers });
  headers.set('content-type', file.contentType);
  return new Response(file.body, { status: 200, headers });
}

/** GET /dashboard: the HTML shell (public: it holds no data) and its content-hashed assets. */
export const dashboardPage = new Hono<{ Bindings: Env }>();

dashboardPage.use(DASHBOARD_PATHS.page, dashboardSecurityHeaders);
dashboardPage.use(`${DASHBOARD_PATHS.page}/*`, dashboardSecurityHeaders);

const shell = (ifNoneMatch: string | undefined): Response => {
  const file = DASHBOARD_FILES[DASHBOARD_PATHS.page];
  if (!file) throw new ProximaError('internal_error', 'The dashboard was not built.');
  // Revalidated every time, so a new build's asset names are picked up at once.
  return serve(file, 'no-cache', ifNoneMatch);
};

dashboardPage.get(DASHBOARD_PATHS.page, (c) => shell(c.req.header('if-none-match')));
dashboardPage.get(`${DASHBOARD_PATHS.page}/`, (c) => shell(c.req.header('if-none-match')));

dashboardPage.get(`${ASSETS}:name`, (c) => {
  const name = c.req.param('name') ?? '';
  const file = DASHBOARD_FILES[`${ASSETS}${name}`];
  if (!file) {
    return errorResponse(new ProximaError('not_found', `No dashboard asset ${quote(name)}.`));
  }
  // The name carries the content hash: a changed file gets a new name, so this one never changes.
  return serve(file, 'public, max-age=31536000, immutable', c.req.header('if-none-match'));
});
