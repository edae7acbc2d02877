import type { Context } from 'hono';
import type { Env } from '../../env.ts';
import { Hono } from 'hono';
import { onError } from '../../errors.ts';
import { admin } from '../../routes/admin/index.ts';
import { enabledAdminToken } from '../../routes/admin/require-admin.ts';

/** The admin routes with the edge's error answers (the root app's onError does not reach here). */
const adminApp = new Hono<{ Bindings: Env }>().route('/', admin).onError(onError);

/**
 * Runs an admin API call for a dashboard action through the admin routes themselves, so keys and
 * node tokens have one implementation (validation, registry commands, evictions) whichever way an
 * operator reaches them. The session was checked already; the admin token never leaves the edge.
 */
export async function viaAdmin(
  c: Pick<Context<{ Bindings: Env }>, 'env' | 'executionCtx' | 'req'>,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const headers = new Headers({ authorization: `Bearer ${enabledAdminToken(c.env)}` });
  if (body !== undefined) headers.set('content-type', 'application/json');
  const url = new URL(path, c.req.url);
  const response = await adminApp.fetch(
    new Request(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
    c.env,
    c.executionCtx,
  );
  return { status: response.status, json: await response.json() };
}
