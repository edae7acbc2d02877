import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { bundleEdge } from '../dev/edge-runtime.ts';
import { REPO_ROOT } from '../dev/paths.ts';
import { readEdgeConfig } from '../dev/wrangler-config.ts';
import type { ListenAddress } from './flags.ts';
import { runWorkerd } from './run-workerd.ts';
import { EdgeServeError, resolveSecrets } from './secrets.ts';
import { lockStateDir, prepareStateDir } from './state-dir.ts';
import { workerdBinary } from './workerd-binary.ts';
import { renderWorkerdConfig, secretEnvName } from './workerd-config.ts';

export interface EdgeServeOptions {
  readonly listen: ListenAddress;
  readonly stateDir: string;
  readonly adminTokenFile?: string;
  readonly secretsFile?: string;
  /** `--var NAME=VALUE` overrides of wrangler.jsonc's vars. */
  readonly vars?: Readonly<Record<string, string>>;
  /** `--workerd FILE`: another workerd build than the one Miniflare brings. */
  readonly workerd?: string;
  /** How long a stop waits for requests in flight (`--drain-timeout`, seconds). */
  readonly drainTimeoutS: number;
}

export interface EdgeServeIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const BUNDLE_FILE = 'index.js';
const CONFIG_FILE = 'config.capnp';

/** Fails early, with the flag's name, when the address is taken or cannot be bound here. */
function assertCanListen({ host, port }: ListenAddress): Promise<void> {
  if (port === 0) return Promise.resolve();
  const bindHost = host === '*' ? '0.0.0.0' : host.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new EdgeServeError(
          `--listen ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : `cannot listen there (${err.code ?? err.message})`}.`,
        ),
      ),
    );
    server.listen({ host: bindHost, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** Every binding name must mean one thing: a var, a secret or a Durable Object namespace. */
function checkBindings(
  vars: Readonly<Record<string, string>>,
  secrets: readonly string[],
  durableObjects: readonly string[],
): void {
  for (const name of Object.keys(vars)) {
    if (durableObjects.includes(name))
      throw new EdgeServeError(`--var ${name}: that is a Durable Object binding.`);
    if (secrets.includes(name)) {
      throw new EdgeServeError(
        `--var ${name}: ${name} is a secret here${name === 'ADMIN_TOKEN' ? '' : ' (from --secrets-file)'}; give it only once, as a secret.`,
      );
    }
  }
  for (const name of secrets) {
    if (durableObjects.includes(name))
      throw new EdgeServeError(`--secrets-file: ${name} is a Durable Object binding.`);
  }
}

/**
 * `proxima edge serve`: the edge Worker on this machine's workerd, lean (no Miniflare in front),
 * Durable Objects in SQLite under the state directory. Returns the process exit code.
 */
export async function runEdgeServe(options: EdgeServeOptions, io: EdgeServeIo): Promise<number> {
  let release: (() => Promise<void>) | undefined;
  try {
    // First, so an unusable state directory is named as such before a data key is kept in it.
    const layout = await prepareStateDir(options.stateDir);
    const secrets = await resolveSecrets({
      env: io.env,
      stateDir: options.stateDir,
      ...(options.adminTokenFile === undefined ? {} : { adminTokenFile: options.adminTokenFile }),
      ...(options.secretsFile === undefined ? {} : { secretsFile: options.secretsFile }),
    });
    for (const warning of secrets.warnings) io.err(`proxima edge serve: warning: ${warning}`);
    const config = await readEdgeConfig(join(REPO_ROOT, 'edge', 'wrangler.jsonc'));
    const vars = { ...config.vars, ...options.vars };
    const secretNames = Object.keys(secrets.values).sort();
    checkBindings(
      vars,
      secretNames,
      config.durableObjects.map((d) => d.name),
    );
    const binary = workerdBinary(options.workerd);
    release = await lockStateDir(layout);
    await assertCanListen(options.listen);

    // Wasm modules land beside the bundle, where the config's relative embeds find them.
    const bundle = await bundleEdge(join(layout.workerd, BUNDLE_FILE));
    const configFile = join(layout.workerd, CONFIG_FILE);
    const text = renderWorkerdConfig({
      bundleFile: BUNDLE_FILE,
      wasmModules: bundle.wasmModules,
      compatibilityDate: config.compatibilityDate,
      compatibilityFlags: config.compatibilityFlags,
      durableObjects: config.durableObjects,
      sqliteClasses: config.sqliteClasses,
      vars,
      secretNames,
      host: options.listen.host,
      port: options.listen.port,
      storageDir: layout.storage,
    });
    await writeFile(configFile, text, { mode: 0o644 });

    const env = Object.fromEntries(
      Object.entries(secrets.values).map(([name, value]) => [secretEnvName(name), value]),
    );
    io.out(
      `proxima edge serve: workerd ${binary}\n  config   ${configFile} (no secrets in it)\n  state    ${layout.storage}\n  admin    ADMIN_TOKEN from ${secrets.adminTokenFrom}\n  data key DATA_KEY from ${secrets.dataKeyFrom} (losing it loses the encrypted data)`,
    );
    return await runWorkerd({
      binary,
      configFile,
      env,
      drainTimeoutMs: options.drainTimeoutS * 1000,
      onListening: (port) => {
        const host = options.listen.host === '*' ? '0.0.0.0' : options.listen.host;
        io.out(`proxima edge serve: listening on http://${host}:${port}  (Ctrl-C stops it)`);
      },
      onMessage: (line) => io.err(`proxima edge serve: ${line}`),
    });
  } catch (err) {
    if (err instanceof EdgeServeError) {
      io.err(`proxima edge serve: ${err.message}`);
      return 2;
    }
    throw err;
  } finally {
    await release?.();
  }
}
