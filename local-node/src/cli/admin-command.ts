import { ADMIN_TOKEN_MIN_CHARS, ProximaError } from '@proxima/core/protocol';
import { parseUsageParams, type UsageGroup } from '@proxima/core/limits';
import type { Scope } from '@proxima/core/registry';
import { Option, type Command } from 'commander';
import {
  adminClient,
  EdgeHttpError,
  EdgeUnreachableError,
  type AdminClient,
} from './admin/client.ts';
import {
  credentialId,
  duration,
  groupBy,
  label,
  LIMIT_FLAGS,
  limitsPatch,
  limitValue,
  scopes,
  time,
  type LimitOptions,
} from './admin/flags.ts';
import * as format from './admin/format.ts';
import { addRegistryHandOver } from './admin/hand-over-command.ts';
import {
  addKeyRotate,
  expiresAt,
  withExpiryOptions,
  type ExpiryOptions,
} from './admin/key-commands.ts';
import { addNodes } from './admin/nodes-command.ts';
import { addRaftCommands } from './admin/raft-commands.ts';
import { addTenantRemove } from './admin/tenant-commands.ts';
import type { AdminAnswer, AdminTools } from './admin/tools.ts';
import { read, UnexpectedAnswerError } from './admin/views.ts';
import { httpUrl, nodeId } from './parse.ts';

/** Options every `proxima admin` command takes. */
export interface EdgeOptions {
  readonly edge: string;
  readonly adminToken?: string;
  readonly json?: boolean;
}

interface UsageOptions extends EdgeOptions {
  readonly since?: string;
  readonly from?: string;
  readonly to?: string;
  readonly tenant?: string;
  readonly groupBy?: UsageGroup[];
}

type Run = (client: AdminClient) => Promise<AdminAnswer>;

const out = (text: string) => void process.stdout.write(text);
const err = (text: string) => void process.stderr.write(text);

/** The edge, the token (environment first) and --json, on every admin command. */
function withEdgeOptions(command: Command): Command {
  return command
    .optionsGroup('Edge options:')
    .addOption(
      new Option('--edge <url>', 'the edge base URL, e.g. https://proxima.example.workers.dev')
        .env('PROXIMA_EDGE')
        .argParser(httpUrl)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option(
        '--admin-token <token>',
        "the edge's ADMIN_TOKEN; prefer setting PROXIMA_ADMIN_TOKEN, which keeps it out of ps and shell history",
      ).env('PROXIMA_ADMIN_TOKEN'),
    )
    .option('--json', "print the edge's JSON answer instead of a table");
}

/** --rpm, --tpm, ...: with `none` allowed when changing limits (it removes that limit). */
function withLimitOptions(command: Command, allowNone: boolean): Command {
  for (const { flag, name, help } of LIMIT_FLAGS) {
    command.option(
      `--${flag} <${allowNone ? 'n|none' : 'n'}>`,
      allowNone ? `${help}; 'none' removes the limit` : help,
      limitValue(name, allowNone),
    );
  }
  return command;
}

/** Runs one admin call: token check, HTTP, output. Returns the exit code. */
async function execute(options: EdgeOptions, command: Command, run: Run): Promise<number> {
  const token = options.adminToken;
  if (token === undefined || token === '') {
    err(
      "proxima: no admin token: set PROXIMA_ADMIN_TOKEN to the edge's ADMIN_TOKEN (or pass --admin-token, which shows it in ps).\n",
    );
    return 2;
  }
  if (token.length < ADMIN_TOKEN_MIN_CHARS) {
    const from =
      command.getOptionValueSource('adminToken') === 'env'
        ? 'PROXIMA_ADMIN_TOKEN'
        : '--admin-token';
    err(
      `proxima: the admin token in ${from} has ${token.length} characters; the edge's ADMIN_TOKEN has at least ${ADMIN_TOKEN_MIN_CHARS}, so this cannot be it. Set PROXIMA_ADMIN_TOKEN to the right one.\n`,
    );
    return 2;
  }
  try {
    const answer = await run(adminClient({ edge: options.edge, adminToken: token }));
    out(options.json === true ? `${JSON.stringify(answer.body, null, 2)}\n` : answer.text);
    if (answer.warning !== undefined) err(answer.warning);
    return 0;
  } catch (e) {
    if (e instanceof EdgeHttpError) {
      err(`proxima: ${e.status} ${e.message}\n`);
      return 1;
    }
    if (e instanceof EdgeUnreachableError || e instanceof UnexpectedAnswerError) {
      err(`proxima: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** The edge checks these too; checking here names the flag and saves a round trip. */
function checkUsageRange(options: UsageOptions, command: Command): void {
  try {
    parseUsageParams(
      {
        since: options.since,
        from: options.from,
        to: options.to,
        groupBy: options.groupBy?.join(','),
      },
      Date.now(),
    );
  } catch (e) {
    if (!(e instanceof ProximaError)) throw e;
    command.error(
      `error: ${e.message.replace(/'(from|to|since|group_by)'/g, (_, p: string) => `--${p.replace('_', '-')}`)}`,
    );
  }
}

function requireSomeLimit(options: LimitOptions, command: Command): void {
  if (Object.keys(limitsPatch(options)).length === 0) {
    command.error(
      `error: give at least one of ${LIMIT_FLAGS.map((l) => `--${l.flag}`).join(', ')} (a number, or 'none' to remove that limit).`,
    );
  }
}

/**
 * The shared pieces, for a command outside `proxima admin` that calls the admin API the same way
 * (`proxima status`): the same edge options, token checks, errors and --json.
 */
export function adminTools(done: (code: number) => void): AdminTools {
  return { withEdgeOptions, execute, done };
}

/**
 * `proxima admin …`: the edge's admin API (`/admin/*`) from the command line. `done` receives the
 * exit code of whichever command ran.
 */
export function addAdminCommands(admin: Command, done: (code: number) => void): void {
  admin
    .description(
      "Manage the edge: usage, API keys and their limits, tenants, node tokens, connected nodes, the registry's Raft group and hand-over.",
    )
    .addHelpText(
      'after',
      '\nEvery command takes --edge <url> (or PROXIMA_EDGE) and --json. The admin token is read from\n' +
        'PROXIMA_ADMIN_TOKEN; --admin-token also works but shows the token in ps and shell history.\n',
    );

  withEdgeOptions(
    admin
      .command('usage')
      .description('Usage per tenant over a time range (default: the last 24 hours).')
      .addOption(
        new Option('--since <duration>', 'the last 30m, 24h, 7d, ... (up to --to, default now)')
          .argParser(duration)
          .conflicts('from'),
      )
      .option('--from <time>', 'start: ISO 8601 time or ms since the epoch', time)
      .option('--to <time>', 'end (exclusive): ISO 8601 time or ms since the epoch', time)
      .option('--tenant <tenant>', 'only this tenant', label)
      .option('--group-by <keys>', 'comma-separated: key, model, backend, hour', groupBy),
  ).action(async (options: UsageOptions, command: Command) => {
    checkUsageRange(options, command);
    done(
      await execute(options, command, async (client) => {
        const body = await client.request('GET', '/admin/usage', {
          query: {
            since: options.since,
            from: options.from,
            to: options.to,
            tenant: options.tenant,
            group_by: options.groupBy?.join(','),
          },
        });
        return { body, text: format.usage(read.usage(body)) };
      }),
    );
  });

  const tools: AdminTools = { withEdgeOptions, execute, done };
  const keys = admin
    .command('keys')
    .description('API keys: list, create, rotate, revoke, set limits.');
  withEdgeOptions(
    keys
      .command('list')
      .description('List API keys (ids only; keys themselves are never shown again).')
      .option('--tenant <tenant>', 'only this tenant', label),
  ).action(async (options: EdgeOptions & { tenant?: string }, command: Command) => {
    done(
      await execute(options, command, async (client) => {
        const body = await client.request('GET', '/admin/api-keys', {
          query: { tenant: options.tenant },
        });
        return { body, text: format.keys(read.keys(body), Date.now()) };
      }),
    );
  });

  withEdgeOptions(
    withExpiryOptions(
      withLimitOptions(
        keys
          .command('create')
          .description('Create an API key; it is printed once, and only its hash is kept.')
          .requiredOption('--tenant <tenant>', 'the tenant the key bills to', label)
          .option('--name <name>', 'a label for the key (default: key)', label)
          .option(
            '--scopes <scopes>',
            'what the key may call, comma-separated: chat, models (default: both)',
            scopes,
          ),
        false,
      ),
      'never',
    ),
  ).action(
    async (
      options: EdgeOptions &
        LimitOptions &
        ExpiryOptions & { tenant: string; name?: string; scopes?: Scope[] },
      command: Command,
    ) => {
      const now = Date.now();
      const until = expiresAt(options, command, now);
      done(
        await execute(options, command, async (client) => {
          const patch = limitsPatch(options);
          const body = await client.request('POST', '/admin/api-keys', {
            body: {
              tenant: options.tenant,
              ...(options.name === undefined ? {} : { name: options.name }),
              ...(Object.keys(patch).length === 0 ? {} : { limits: patch }),
              ...(options.scopes === undefined ? {} : { scopes: options.scopes }),
              ...(until === undefined ? {} : { expiresAt: until }),
            },
          });
          const key = read.createdKey(body);
          return {
            body,
            text: `Created API key ${key.id} (${format.keySummary(key, now)}).\n${key.key}\n`,
            warning:
              'proxima: the key is shown only this once; store it now (the edge keeps only its hash).\n',
          };
        }),
      );
    },
  );

  withEdgeOptions(
    keys
      .command('revoke')
      .description('Revoke an API key.')
      .argument('<id>', 'key id, e.g. key_0123456789ab (see keys list)', credentialId('key')),
  ).action(async (id: string, options: EdgeOptions, command: Command) => {
    done(
      await execute(options, command, async (client) => {
        const body = await client.request('DELETE', `/admin/api-keys/${id}`);
        return {
          body,
          text: `Revoked API key ${id}; every edge isolate refuses it within 1 s.\n`,
        };
      }),
    );
  });

  withEdgeOptions(
    withLimitOptions(
      keys
        .command('limits')
        .description("Change an API key's limits; flags not given keep their value.")
        .argument('<id>', 'key id, e.g. key_0123456789ab (see keys list)', credentialId('key')),
      true,
    ),
  ).action(async (id: string, options: EdgeOptions & LimitOptions, command: Command) => {
    requireSomeLimit(options, command);
    done(
      await execute(options, command, async (client) => {
        const body = await client.request('PATCH', `/admin/api-keys/${id}`, {
          body: { limits: limitsPatch(options) },
        });
        return {
          body,
          text: `API key ${id} limits: ${format.limits(read.limits(body).limits)} (in effect within 1 s).\n`,
        };
      }),
    );
  });

  addKeyRotate(keys, tools);

  const tenants = admin.command('tenants').description('Tenants: list, set limits, remove.');
  withEdgeOptions(
    tenants
      .command('list')
      .description('List tenants: each appears with its first key or when its limits are set.'),
  ).action(async (options: EdgeOptions, command: Command) => {
    done(
      await execute(options, command, async (client) => {
        const body = await client.request('GET', '/admin/tenants');
        return { body, text: format.tenants(read.tenants(body)) };
      }),
    );
  });

  withEdgeOptions(
    withLimitOptions(
      tenants
        .command('limits')
        .description(
          "Change a tenant's limits (shared by all its keys); flags not given keep their value.",
        )
        .argument('<tenant>', 'tenant name', label),
      true,
    ),
  ).action(async (tenant: string, options: EdgeOptions & LimitOptions, command: Command) => {
    requireSomeLimit(options, command);
    done(
      await execute(options, command, async (client) => {
        const body = await client.request('PATCH', `/admin/tenants/${tenant}`, {
          body: { limits: limitsPatch(options) },
        });
        return {
          body,
          text: `Tenant ${tenant} limits: ${format.limits(read.limits(body).limits)} (in effect within 1 s).\n`,
        };
      }),
    );
  });

  addTenantRemove(tenants, tools);

  const tokens = admin
    .command('node-tokens')
    .description('Node tokens: what `proxima node` connects with.');
  withEdgeOptions(tokens.command('list').description('List node tokens.')).action(
    async (options: EdgeOptions, command: Command) => {
      done(
        await execute(options, command, async (client) => {
          const body = await client.request('GET', '/admin/node-tokens');
          return { body, text: format.nodeTokens(read.tokens(body)) };
        }),
      );
    },
  );

  withEdgeOptions(
    tokens
      .command('create')
      .description('Create a node token; it is printed once, and only its hash is kept.')
      .option(
        '--node-id <id>',
        'bind the token to this node id (default: the first node that connects with it)',
        nodeId,
      )
      .option('--name <name>', 'a label for the token (default: node)', label),
  ).action(async (options: EdgeOptions & { nodeId?: string; name?: string }, command: Command) => {
    done(
      await execute(options, command, async (client) => {
        const body = await client.request('POST', '/admin/node-tokens', {
          body: {
            ...(options.name === undefined ? {} : { name: options.name }),
            ...(options.nodeId === undefined ? {} : { nodeId: options.nodeId }),
          },
        });
        const token = read.createdToken(body);
        const bound =
          token.nodeId === null
            ? 'binds to the first node that connects with it'
            : `bound to node ${token.nodeId}`;
        return {
          body,
          text:
            `Created node token ${token.id} (name ${token.name}; ${bound}).\n` +
            `${token.token}\n` +
            `Start a node with: PROXIMA_NODE_TOKEN=<token> proxima node --edge ${options.edge} --model FILE.gguf\n`,
          warning:
            'proxima: the token is shown only this once; store it now (the edge keeps only its hash).\n',
        };
      }),
    );
  });

  withEdgeOptions(
    tokens
      .command('revoke')
      .description('Revoke a node token; the node connected with it is disconnected at once.')
      .argument(
        '<id>',
        'token id, e.g. ntk_0123456789ab (see node-tokens list)',
        credentialId('ntk'),
      ),
  ).action(async (id: string, options: EdgeOptions, command: Command) => {
    done(
      await execute(options, command, async (client) => {
        const body = await client.request('DELETE', `/admin/node-tokens/${id}`);
        const revoked = read.revokedToken(body);
        const node =
          revoked.nodeId === null
            ? 'no node had connected with it.'
            : revoked.disconnected
              ? `node ${revoked.nodeId} was disconnected.`
              : `node ${revoked.nodeId} was not connected; it cannot connect with this token again.`;
        return { body, text: `Revoked node token ${id}; ${node}\n` };
      }),
    );
  });

  addNodes(admin, tools);
  addRegistryHandOver(admin, tools);
  addRaftCommands(admin, tools);
}
