import { access, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { Log, LogLevel, Miniflare } from 'miniflare';
import {
  ASSETS_MODULE,
  writeAssetsModule,
} from '../../../edge/dashboard/bundler/write-assets-module.ts';
import { REPO_ROOT } from './paths.ts';
import { type EdgeBundle, miniflareModules, wasmModulesPlugin } from './wasm-modules.ts';
import { readEdgeConfig } from './wrangler-config.ts';

const EDGE_CONFIG = join(REPO_ROOT, 'edge', 'wrangler.jsonc');

export interface EdgeRuntimeOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Durable Object storage lives here across restarts. */
  readonly persistDir: string;
  readonly adminToken: string;
  /** The DATA_KEY secret (RAG and the cache seal data under it). Unset: those features refuse. */
  readonly dataKey?: string;
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

/**
 * Bundles the Worker the way Wrangler would for workerd: ESM, workerd export conditions, and each
 * `.wasm` import kept as a CompiledWasm module beside the bundle (see wasm-modules.ts). `entry`
 * (default: wrangler.jsonc's main) lets tests bundle a smaller Worker exactly the same way.
 */
export async function bundleEdge(outFile: string, entry?: string): Promise<EdgeBundle> {
  const main = entry ?? join(REPO_ROOT, 'edge', (await readEdgeConfig(EDGE_CONFIG)).main);
  // The Worker imports the dashboard's generated module; `npm run build` makes it, and a CLI run
  // from a checkout that never built makes it here rather than failing to bundle.
  if (
    entry === undefined &&
    !(await access(ASSETS_MODULE).then(
      () => true,
      () => false,
    ))
  )
    await writeAssetsModule();
  await mkdir(dirname(outFile), { recursive: true });
  const wasm = wasmModulesPlugin(dirname(outFile));
  await build({
    entryPoints: [main],
    outfile: outFile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2023',
    conditions: ['workerd', 'worker', 'browser', 'import'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*'],
    plugins: [wasm.plugin],
    logLevel: 'error',
  });
  return { scriptPath: outFile, wasmModules: wasm.emitted() };
}

/**
 * The edge Worker in local workerd through Miniflare: the same runtime as production, without
 * `wrangler dev`'s proxy in front (which adds milliseconds per request). Telemetry and the
 * request.cf download are off.
 */
export async function startEdgeRuntime(options: EdgeRuntimeOptions): Promise<EdgeRuntime> {
  const config = await readEdgeConfig(EDGE_CONFIG);
  const bundle = await bundleEdge(join(options.persistDir, 'bundle', 'index.js'));
  const onLine = options.onLine ?? (() => undefined);
  const sqlite = new Set(config.sqliteClasses);
  const mf = new Miniflare({
    name: 'proxima-edge',
    modules: miniflareModules(bundle),
    // Module names are paths relative to this root; workerd refuses names that climb out with '..'.
    modulesRoot: dirname(bundle.scriptPath),
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
      ...(options.dataKey === undefined ? {} : { DATA_KEY: options.dataKey }),
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
