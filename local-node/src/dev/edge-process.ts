import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnChild, type Child } from './child.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Environment for workerd/wrangler here: no telemetry, no request.cf download. */
export const OFFLINE_WRANGLER_ENV: Record<string, string> = {
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  DO_NOT_TRACK: '1',
};

function wranglerBin(): string {
  const require = createRequire(join(REPO_ROOT, 'edge', 'package.json'));
  return join(dirname(require.resolve('wrangler/package.json')), 'bin', 'wrangler.js');
}

export interface EdgeProcessOptions {
  readonly port: number;
  readonly persistDir: string;
  readonly adminToken: string;
  readonly heartbeatMs?: number;
  readonly onLine: (line: string) => void;
}

/** The edge Worker in local workerd (wrangler dev), state persisted under `persistDir`. */
export function startEdgeProcess(options: EdgeProcessOptions): Child {
  const vars = [`ADMIN_TOKEN:${options.adminToken}`];
  if (options.heartbeatMs !== undefined) vars.push(`HEARTBEAT_MS:${options.heartbeatMs}`);
  return spawnChild({
    name: 'edge',
    command: process.execPath,
    args: [
      wranglerBin(),
      'dev',
      '--config',
      join(REPO_ROOT, 'edge', 'wrangler.jsonc'),
      '--ip',
      '127.0.0.1',
      '--port',
      String(options.port),
      '--persist-to',
      options.persistDir,
      '--show-interactive-dev-session=false',
      '--log-level',
      'warn',
      ...vars.flatMap((v) => ['--var', v]),
    ],
    env: OFFLINE_WRANGLER_ENV,
    cwd: join(REPO_ROOT, 'edge'),
    onLine: options.onLine,
  });
}

/** Polls /healthz until the edge answers or `timeoutMs` passes. */
export async function waitForEdge(url: string, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | string | undefined;
  void child.exited.then((code) => (exited = code));
  while (Date.now() < deadline) {
    if (exited !== undefined)
      throw new Error(`the edge (wrangler dev) exited with ${exited} before it was ready`);
    try {
      const res = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the edge did not answer ${url}/healthz within ${timeoutMs} ms`);
}
