/**
 * What bench:gateway-peer runs, each in its own process, all on 127.0.0.1:
 * - the fake OpenAI-compatible upstream (bench/gateway/direct-server.ts: answers at once, whole
 *   or as SSE), which is also the direct baseline;
 * - Proxima: the edge in local workerd (Miniflare) with `UPSTREAMS` naming that upstream for
 *   the model `bench-upstream`, and a node process serving the instant engine (`bench-instant`);
 * - Portkey's gateway (portkey-server.ts), told per request to forward to the same upstream.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { spawnChild, type Child } from '../../local-node/src/dev/child.ts';
import { startFleet, type Fleet } from '../guard/fleet.ts';
import { childPids } from '../gateway/proc-cpu.ts';

/** The model id Proxima maps to the upstream, and the upstream's own name for it. */
export const UPSTREAM_MODEL = 'bench-upstream';
export const UPSTREAM_OWN_MODEL = 'fake-upstream-model';
/** The upstream's entry in UPSTREAMS; Proxima names the backend `upstream:fake`. */
export const UPSTREAM_NAME = 'fake';
/** Sent to the upstream by Portkey and by direct calls; the fake upstream ignores it. */
export const UPSTREAM_KEY = 'sk-fake-upstream-key-0123456789';

const DIRECT_SERVER = join(import.meta.dirname, '..', 'gateway', 'direct-server.ts');
const PORTKEY_SERVER = join(import.meta.dirname, 'portkey-server.ts');
const START_TIMEOUT_MS = 30_000;

export interface Stack {
  /** http://127.0.0.1:port of the fake upstream. */
  readonly upstreamUrl: string;
  readonly proximaUrl: string;
  readonly portkeyUrl: string;
  /** A Proxima API key of a tenant without limits. */
  readonly apiKey: string;
  readonly pids: {
    readonly workerd: readonly number[];
    readonly node: number;
    readonly portkey: number;
    readonly upstream: number;
  };
  readonly stop: () => Promise<void>;
}

/** Spawns a script that prints `port N` once it listens; resolves with the child and the port. */
async function startListening(
  name: string,
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ child: Child; port: number }> {
  let onPort: (port: number) => void = () => undefined;
  const ready = new Promise<number>((resolve) => (onPort = resolve));
  const tail: string[] = [];
  const child = spawnChild({
    name,
    command: process.execPath,
    args: [script, ...args],
    env,
    onLine: (line) => {
      const match = /port (\d+)$/.exec(line);
      if (match) onPort(Number(match[1]));
      else if (tail.push(line) > 20) tail.shift();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${name}: no port in ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    void child.exited.then((code) =>
      reject(new Error(`${name} exited (${code}) before listening: ${tail.join(' | ')}`)),
    );
  });
  try {
    return { child, port: await Promise.race([ready, failed]) };
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `url` until it answers 200 (Portkey listens before its start script has finished). */
async function waitFor(url: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer in ${START_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startStack(): Promise<Stack> {
  let upstream: Child | undefined;
  let portkey: Child | undefined;
  let fleet: Fleet | undefined;
  const stop = async () => {
    await portkey?.stop('SIGTERM', 2000);
    await fleet?.stop();
    await upstream?.stop('SIGTERM', 2000);
  };
  try {
    const up = await startListening('upstream', DIRECT_SERVER, []);
    upstream = up.child;
    const upstreamUrl = `http://127.0.0.1:${up.port}`;

    fleet = await startFleet({
      UPSTREAMS: JSON.stringify([
        {
          name: UPSTREAM_NAME,
          baseUrl: `${upstreamUrl}/v1`,
          keyVar: 'FAKE_UPSTREAM_KEY',
          models: { [UPSTREAM_MODEL]: UPSTREAM_OWN_MODEL },
          costPer1kTokens: 0,
          priority: 0,
          // Never the limit here: bursts send 64 at once.
          maxConcurrent: 1024,
        },
      ]),
      FAKE_UPSTREAM_KEY: UPSTREAM_KEY,
      // The checks confirm which backend answered; one header, no cost worth measuring.
      EXPOSE_BACKEND_HEADER: 'true',
    });
    const apiKey = `pxk_bench_${randomBytes(24).toString('base64url')}`;
    await fleet.admin('POST', '/admin/api-keys', { key: apiKey, tenant: 'bench-peer' });

    // NODE_ENV=production and --headless: no log UI, as Portkey is deployed.
    const pk = await startListening('portkey', PORTKEY_SERVER, ['--headless'], {
      NODE_ENV: 'production',
    });
    portkey = pk.child;
    const portkeyUrl = `http://127.0.0.1:${pk.port}`;
    await waitFor(`${portkeyUrl}/`);

    const workerd = childPids(process.pid, 'workerd');
    return {
      upstreamUrl,
      proximaUrl: fleet.url,
      portkeyUrl,
      apiKey,
      pids: {
        workerd,
        node: fleet.node.process.pid ?? 0,
        portkey: portkey.process.pid ?? 0,
        upstream: upstream.process.pid ?? 0,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
