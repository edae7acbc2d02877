import type { Child } from './child.ts';
import { spawnChild } from './child.ts';
import { startEdgeRuntime, type EdgeRuntimeOptions } from './edge-runtime.ts';

/** The child's options, minus the callback; passed in the environment so the admin token stays off argv. */
type EdgeProcessOptions = Omit<EdgeRuntimeOptions, 'onLine'>;

const OPTIONS_VAR = 'PROXIMA_EDGE_OPTIONS';
const READY_PREFIX = 'proxima-edge-ready ';

export interface EdgeProcess {
  readonly url: string;
  readonly child: Child;
  stop(): Promise<void>;
}

/**
 * The edge runtime in its own process group. Run in-process, Miniflare's exit hook answers
 * SIGINT/SIGTERM by killing workerd and exiting at once, and a terminal's Ctrl-C reaches workerd
 * directly (it shares the runner's group): either way the edge died before the nodes drained.
 * Here only the runner decides when the edge stops.
 */
export async function startEdgeProcess(
  options: EdgeProcessOptions & { readonly onLine?: (line: string) => void },
): Promise<EdgeProcess> {
  const { onLine, ...rest } = options;
  let ready: (url: string) => void = () => undefined;
  const urlReady = new Promise<string>((resolve) => (ready = resolve));
  const recent: string[] = [];
  const child = spawnChild({
    name: 'edge',
    command: process.execPath,
    args: [import.meta.filename],
    env: { [OPTIONS_VAR]: JSON.stringify(rest) },
    onLine: (line) => {
      if (line.startsWith(READY_PREFIX)) return ready(line.slice(READY_PREFIX.length));
      recent.push(line);
      if (recent.length > 20) recent.shift();
      onLine?.(line);
    },
  });
  const url = await Promise.race([
    urlReady,
    child.exited.then((code) => {
      throw new Error(
        `the edge runtime exited with ${code} before it was ready:\n${recent.join('\n')}`,
      );
    }),
  ]);
  return {
    url,
    child,
    stop: async () => {
      await child.stop('SIGTERM', 10_000);
    },
  };
}

/** Child side: start the runtime, print its URL, and let Miniflare's own hook handle SIGTERM. */
async function main(): Promise<void> {
  const raw = process.env[OPTIONS_VAR];
  if (raw === undefined) throw new Error(`${OPTIONS_VAR} is not set`);
  const edge = await startEdgeRuntime({
    ...(JSON.parse(raw) as EdgeProcessOptions),
    onLine: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`${READY_PREFIX}${edge.url}\n`);
}

if (process.argv[1] === import.meta.filename) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
