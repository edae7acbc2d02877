import { Option, type Command } from 'commander';
import type { EdgeOptions } from '../admin-command.ts';
import { credentialId, duration, durationMs, time, timeMs } from './flags.ts';
import * as format from './format.ts';
import type { AdminTools } from './tools.ts';
import { read } from './views.ts';

/** --expires-in and --expires-at, as commander parses them (checked, not yet resolved). */
export interface ExpiryOptions {
  readonly expiresIn?: string;
  readonly expiresAt?: string;
}

/** --expires-in <duration> or --expires-at <time> (not both), on `keys create` and `keys rotate`. */
export function withExpiryOptions(command: Command, otherwise: string): Command {
  return command
    .addOption(
      new Option(
        '--expires-in <duration>',
        `the key stops working after 30m, 24h, 7d, ... (default: ${otherwise})`,
      )
        .argParser(duration)
        .conflicts('expiresAt'),
    )
    .addOption(
      new Option(
        '--expires-at <time>',
        'the key stops working at this ISO 8601 time or ms since the epoch',
      ).argParser(time),
    );
}

/**
 * The `expiresAt` the edge takes (ms since the epoch), or undefined when neither flag is given.
 * A time that is not in the future is refused here, naming the flag: the edge would refuse it too,
 * but in milliseconds.
 */
export function expiresAt(
  options: ExpiryOptions,
  command: Command,
  now: number,
): number | undefined {
  if (options.expiresIn !== undefined) {
    const ms = durationMs(options.expiresIn);
    if (ms === 0)
      command.error(
        `error: --expires-in ${options.expiresIn} would expire the key at once; give a duration such as 30m, 24h or 7d.`,
      );
    return now + ms;
  }
  if (options.expiresAt === undefined) return undefined;
  const at = timeMs(options.expiresAt);
  if (at <= now)
    command.error(
      `error: --expires-at ${options.expiresAt} (${format.time(at)}) is not in the future; the key would never work.`,
    );
  return at;
}

/** `proxima admin keys rotate <id>`: a new secret for a key; the old one stops working. */
export function addKeyRotate(keys: Command, tools: AdminTools): void {
  const { withEdgeOptions, execute, done } = tools;
  withEdgeOptions(
    withExpiryOptions(
      keys
        .command('rotate')
        .description(
          'Replace an API key with a new one (same tenant, name, limits and scopes); the old key is revoked. The new key is printed once.',
        )
        .argument('<id>', 'key id, e.g. key_0123456789ab (see keys list)', credentialId('key')),
      "the old key's expiry",
    ),
  ).action(async (id: string, options: EdgeOptions & ExpiryOptions, command: Command) => {
    const now = Date.now();
    const until = expiresAt(options, command, now);
    done(
      await execute(options, command, async (client) => {
        const body = await client.request('POST', `/admin/api-keys/${id}/rotate`, {
          body: until === undefined ? {} : { expiresAt: until },
        });
        const key = read.rotatedKey(body);
        return {
          body,
          text:
            `Created API key ${key.id} to replace ${key.revoked} (${format.keySummary(key, now)}).\n` +
            `Revoked API key ${key.revoked}: every edge isolate refuses it within 1 s.\n` +
            `${key.key}\n`,
          warning: `proxima: the new key is shown only this once; store it now (the edge keeps only its hash), and give it to every client that used ${key.revoked}.\n`,
        };
      }),
    );
  });
}
