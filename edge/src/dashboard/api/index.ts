import { Hono } from 'hono';
import type { Env } from '../../env.ts';
import { actionRoutes } from './actions.ts';
import { sessionRoutes } from './login.ts';
import type { SessionVariables } from './require-session.ts';
import { streamRoutes } from './stream.ts';

/** The dashboard's API under /dashboard/api (paths in core/dashboard/wire.ts). */
export const dashboardApi = new Hono<{ Bindings: Env; Variables: SessionVariables }>();

dashboardApi.route('/dashboard/api', sessionRoutes);
dashboardApi.route('/dashboard/api', streamRoutes);
dashboardApi.route('/dashboard/api', actionRoutes);
