import type { Command } from 'commander';
import type { EdgeOptions } from './admin-command.ts';
import { EdgeHttpError, EdgeUnreachableError } from './admin/client.ts';
import { readRaft } from './admin/raft-views.ts';
import type { AdminTools } from './admin/tools.ts';
import { sectionOf as section } from './admin/section.ts';
import { readStatus, status, type Section } from './status-view.ts';

/**
 * `proxima status`: the fleet at a glance, from the edge's admin API: nodes (health, alerts,
 * load), the sentinel's alerts, the registry's Raft group, and the breakers and latencies of the
 * isolate that answered. Only the nodes are required: a section an older edge lacks, or one that
 * fails, is reported in its place.
 */
export function addStatusCommand(program: Command, tools: AdminTools): void {
  const { withEdgeOptions, execute, done } = tools;
  withEdgeOptions(
    program
      .command('status')
      .description(
        'Show the fleet: nodes, load, alerts, the registry, and breakers (as one edge isolate sees them).',
      )
      .addHelpText(
        'after',
        '\nThe edge is --edge <url> or PROXIMA_EDGE (a local fleet from `npm start`: http://127.0.0.1:8787,\n' +
          'a deployed one: its workers.dev or custom URL); the admin token is PROXIMA_ADMIN_TOKEN.\n' +
          '--json prints the answers of /admin/nodes, /admin/alerts, /admin/raft/status and\n' +
          '/admin/routing as one object.\n',
      ),
  ).action(async (options: EdgeOptions, command: Command) => {
    done(
      await execute(options, command, async (client) => {
        const get = (path: string) => client.request('GET', path);
        const [nodes, alerts, raft, routing] = await Promise.allSettled([
          get('/admin/nodes'),
          get('/admin/alerts'),
          get('/admin/raft/status'),
          get('/admin/routing'),
        ]);
        if (nodes.status === 'rejected') throw explained(nodes.reason);
        const sections = {
          alerts: section(alerts, (b) => readStatus.alerts(b)),
          raft: section(raft, (b) => readRaft.status(b)),
          routing: section(routing, (b) => readStatus.routing(b)),
        };
        const text = status({
          edge: options.edge,
          at: Date.now(),
          nodes: readStatus.nodes(nodes.value),
          ...sections,
        });
        const body = {
          nodes: nodes.value,
          alerts: raw(alerts, sections.alerts),
          raft: raw(raft, sections.raft),
          routing: raw(routing, sections.routing),
        };
        return { body, text };
      }),
    );
  });
}

/** A section's answer as the edge gave it, or what went wrong getting it (for --json). */
function raw(result: PromiseSettledResult<unknown>, read: Section<unknown>): unknown {
  if (result.status === 'fulfilled') return result.value;
  return read.ok ? null : { error: { status: read.status, message: read.message } };
}

/** The two errors a first `proxima status` most often meets, with what to do about them. */
function explained(err: unknown): unknown {
  if (err instanceof EdgeHttpError && err.status === 401)
    return new EdgeHttpError(
      401,
      `${err.message} The admin token (PROXIMA_ADMIN_TOKEN or --admin-token) must be the edge's ADMIN_TOKEN; for a local fleet it is adminToken in .proxima/secrets.json.`,
      err.code,
      err.param,
    );
  if (err instanceof EdgeUnreachableError)
    return new EdgeUnreachableError(
      err.url,
      `${err.reason}. Is the edge running there? (\`npm start\` runs a local fleet at http://127.0.0.1:8787.)`,
    );
  return err;
}
