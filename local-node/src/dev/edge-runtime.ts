import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { REPO_ROOT } from './paths.ts';
import { readEdgeConfig } from './wrangler-config.ts';

export interface EdgeRuntimeOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Durable Object storage lives here across restarts. */
  readonly persistDir: string;
  readonly adminToken: string;
  readonly heartbeatMs?: number;
  readonly helloTimeoutMs?: number;
  /** More vars, applied last (benchmarks set Raft timings and test-only switches here). */
  readonly bindings?: Readonly<Record<string, string>>;
  readonly onLine?: (line: string) => void;
}

export interface EdgeRuntime {
  readonly url: string;
  /**
   * The Miniflare instance behind the runtime, for tools that drive it directly (bench:raft-do
   * calls `setOptions` and `getDurableObjectNamespace`). Optional: other runtimes may not have one.
   */
  readonly miniflare?: Miniflare;
  stop(): Promise<void>;
}

/** Bundles the Worker the way Wrangler would for workerd: ESM, workerd export conditions. */
export async function bundleEdge(outFile: string): Promise<void> {
  const config = await readEdgeConfig(join(REPO_ROOT, 'edge', 'wrangler.jsonc'));
  await mkdir(dirname(outFile), { recursive: true });
  await build({
    entryPoints: [join(REPO_ROOT, 'edge', config.main)],
    outfile: outFile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2023',
    conditions: ['workerd', 'worker', 'browser', 'import'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*'],
    logLevel: 'error',
  });
}

/**
 * The edge Worker in local workerd through Miniflare: the same runtime as production, without
 * `wrangler dev`'s proxy in front (which adds milliseconds per request). Telemetry and the
 * request.cf download are off.
 */
export async function startEdgeRuntime(options: EdgeRuntimeOptions): Promise<EdgeRuntime> {
  const config = await readEdgeConfig(join(REPO_ROOT, 'edge', 'wrangler.jsonc'));
  const scriptPath = join(options.persistDir, 'bundle', 'index.js');
  await bundleEdge(scriptPath);
  const onLine = options.onLine ?? (() => undefined);
  const sqlite = new Set(config.sqliteClasses);
  const mf = new Miniflare({
    name: 'proxima-edge',
    modules: true,
    scriptPath,
    // Module names are paths relative to this root; workerd refuses names that climb out with '..'.
    modulesRoot: dirname(scriptPath),
    compatibilityDate: config.compatibilityDate,
    compatibilityFlags: config.compatibilityFlags,
    durableObjects: Object.fromEntries(
      config.durableObjects.map((d) => [
        d.name,
        { className: d.className, useSQLite: sqlite.has(d.className) },
      ]),
    ),
    bindings: {
      ...config.vars,
      ADMIN_TOKEN: options.adminToken,
      ...(options.heartbeatMs === undefined ? {} : { HEARTBEAT_MS: String(options.heartbeatMs) }),
      ...(options.helloTimeoutMs === undefined
        ? {}
        : { HELLO_TIMEOUT_MS: String(options.helloTimeoutMs) }),
      ...options.bindings,
    },
    host: '127.0.0.1',
    port: options.port,
    defaultPersistRoot: join(options.persistDir, 'state'),
    cf: false,
    log: new LineLog(onLine),
    handleRuntimeStdio(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) {
      for (const stream of [stdout, stderr]) {
        let buffered = '';
        stream.on('data', (chunk: Buffer | string) => {
          buffered += chunk.toString();
          let nl = buffered.indexOf('\n');
          while (nl >= 0) {
            onLine(buffered.slice(0, nl));
            buffered = buffered.slice(nl + 1);
            nl = buffered.indexOf('\n');
          }
        });
      }
    },
  });
  const url = (await mf.ready).toString().replace(/\/$/, '');
  return { url, miniflare: mf, stop: () => mf.dispose() };
}

/** Miniflare's own log lines go to the same sink as workerd's output. */
class LineLog extends Log {
  private readonly sink: (line: string) => void;

  constructor(sink: (line: string) => void) {
    super(LogLevel.WARN);
    this.sink = sink;
  }

  override log(message: string): void {
    this.sink(message);
  }
}
