import type { Command } from 'commander';
import type { EdgeOptions } from '../admin-command.ts';
import { handOver, readHandOver } from './hand-over-view.ts';
import type { AdminTools } from './tools.ts';

/** `proxima admin registry hand-over`: whether the old registry's rows all reached the new one. */
export function addRegistryHandOver(admin: Command, tools: AdminTools): void {
  const { withEdgeOptions, execute, done } = tools;
  const registry = admin
    .command('registry')
    .description("The replicated registry: how the old registry's rows were handed over to it.");
  withEdgeOptions(
    registry
      .command('hand-over')
      .description(
        "Report the hand-over of the old registry's tenants, keys and node tokens; an incomplete one is retried first.",
      ),
  ).action(async (options: EdgeOptions, command: Command) => {
    done(
      await execute(options, command, async (client) => {
        const body = await client.request('GET', '/admin/registry/hand-over');
        const report = readHandOver(body);
        return {
          body,
          text: handOver(report),
          // Exit 0 (the report was read), but say so where a script or a person will notice.
          ...(report.complete
            ? {}
            : {
                warning: `proxima: the hand-over is not complete: ${report.refused.length} row(s) are still only in the old registry.\n`,
              }),
        };
      }),
    );
  });
}
