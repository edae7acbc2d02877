import type { Command } from 'commander';
import type { EdgeOptions } from '../admin-command.ts';
import { EdgeHttpError } from './client.ts';
import { label } from './flags.ts';
import type { AdminTools } from './tools.ts';
import { read } from './views.ts';

/** `proxima admin tenants remove <tenant>`: only a tenant without API keys goes. */
export function addTenantRemove(tenants: Command, tools: AdminTools): void {
  const { withEdgeOptions, execute, done } = tools;
  withEdgeOptions(
    tenants
      .command('remove')
      .description(
        'Remove a tenant and its limits; refused while it has API keys (revoke them first).',
      )
      .argument('<tenant>', 'tenant name', label),
  ).action(async (tenant: string, options: EdgeOptions, command: Command) => {
    done(
      await execute(options, command, async (client) => {
        let body: unknown;
        try {
          body = await client.request('DELETE', `/admin/tenants/${tenant}`);
        } catch (e) {
          // The edge says how many keys are left; say how to find them.
          if (!(e instanceof EdgeHttpError) || e.status !== 409) throw e;
          throw new EdgeHttpError(
            e.status,
            `${e.message} List its keys with: proxima admin keys list --tenant ${tenant}`,
            e.code,
            e.param,
          );
        }
        const removed = read.removedTenant(body);
        return { body, text: `Removed tenant ${removed.tenant} and its limits.\n` };
      }),
    );
  });
}
