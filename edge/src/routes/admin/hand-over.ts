import { Hono } from 'hono';
import type { Env } from '../../env.ts';
import { legacyHandOverReport } from '../../registry/hand-over.ts';

/**
 * GET /: the report of the hand-over from the old plain registry (mounted at
 * /admin/registry/hand-over). A hand-over left incomplete by a conflict is retried first, so an
 * operator who resolved the conflict sees the result at once; a complete one proposes nothing.
 */
export const registryHandOver = new Hono<{ Bindings: Env }>();

registryHandOver.get('/', async (c) => c.json(await legacyHandOverReport(c.env)));
