import { Option, type Command } from 'commander';
import {
  DEFAULT_LISTEN,
  listenAddress,
  varAssignment,
  type ListenAddress,
} from '../edge-serve/flags.ts';
import { runEdgeServe } from '../edge-serve/serve.ts';
import { intInRange } from './parse.ts';

interface ServeFlags {
  readonly listen: ListenAddress;
  readonly stateDir: string;
  readonly adminTokenFile?: string;
  readonly secretsFile?: string;
  readonly var?: Record<string, string>;
  readonly workerd?: string;
  readonly drainTimeout: number;
}

/** `proxima edge …`: run the edge Worker on your own machine. `done` receives the exit code. */
export function addEdgeCommands(edge: Command, done: (code: number) => void): void {
  edge.description('Run the edge on your own hardware (self-hosting instead of Cloudflare).');
  edge
    .command('serve')
    .description(
      'Serve the edge Worker with workerd in the foreground: Durable Objects in SQLite under --state-dir, ' +
        'no inspector, no per-request logging, no request.cf. HTTP only: put a TLS proxy in front.',
    )
    .addOption(
      new Option(
        '--listen <host:port>',
        'address to listen on; 0.0.0.0:PORT or *:PORT for every interface, port 0 for any free port',
      )
        .argParser(listenAddress)
        .default(DEFAULT_LISTEN, `${DEFAULT_LISTEN.host}:${DEFAULT_LISTEN.port}`),
    )
    .option(
      '--state-dir <dir>',
      'Durable Object storage, the bundle and the config',
      '.proxima/edge-serve',
    )
    .option(
      '--admin-token-file <file>',
      'file holding ADMIN_TOKEN (default: the PROXIMA_ADMIN_TOKEN environment variable)',
    )
    .option(
      '--secrets-file <file>',
      "more secrets as NAME=VALUE lines (Wrangler's .dev.vars format), e.g. the keys UPSTREAMS names",
    )
    .option(
      '--var <name=value>',
      'set or override a var of edge/wrangler.jsonc (repeatable), e.g. --var CORS_ORIGINS=*',
      varAssignment,
    )
    .option(
      '--workerd <file>',
      "a workerd binary to run instead of the one Miniflare's package brings",
    )
    .option(
      '--drain-timeout <seconds>',
      'how long SIGINT/SIGTERM waits for requests in flight before stopping workerd',
      intInRange(0, 3600),
      10,
    )
    .addHelpText(
      'after',
      '\nExample:\n' +
        '  export PROXIMA_ADMIN_TOKEN=…   # 32+ characters; the same variable `proxima admin` reads\n' +
        '  proxima edge serve --listen 0.0.0.0:8787 --state-dir /var/lib/proxima-edge\n',
    )
    .action(async (flags: ServeFlags) => {
      done(
        await runEdgeServe(
          {
            listen: flags.listen,
            drainTimeoutS: flags.drainTimeout,
            stateDir: flags.stateDir,
            ...(flags.adminTokenFile === undefined ? {} : { adminTokenFile: flags.adminTokenFile }),
            ...(flags.secretsFile === undefined ? {} : { secretsFile: flags.secretsFile }),
            ...(flags.var === undefined ? {} : { vars: flags.var }),
            ...(flags.workerd === undefined ? {} : { workerd: flags.workerd }),
          },
          {
            env: process.env,
            out: (line) => void process.stdout.write(`${line}\n`),
            err: (line) => void process.stderr.write(`${line}\n`),
          },
        ),
      );
    });
}
