import type { Command } from 'commander';
import type { EdgeOptions } from '../admin-command.ts';
import * as format from './format.ts';
import type { AdminTools } from './tools.ts';
import { read } from './views.ts';

/** `proxima admin nodes`: which nodes are connected now, and what they serve (the edge's Presence). */
export function addNodes(admin: Command, tools: AdminTools): void {
  const { withEdgeOptions, execute, done } = tools;
  withEdgeOptions(
    admin
      .command('nodes')
      .description(
        'List the nodes that have connected: connected now or not, draining, models, engine, slots.',
      ),
  ).action(async (options: EdgeOptions, command: Command) => {
    done(
      await execute(options, command, async (client) => {
        const body = await client.request('GET', '/admin/nodes');
        return { body, text: format.nodes(read.nodes(body)) };
      }),
    );
  });
}
