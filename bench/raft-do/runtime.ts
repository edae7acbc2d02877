/**
 * The edge in local workerd for bench:raft-do: started by the dev runtime (startEdgeRuntime, the
 * same Miniflare and workerd as `proxima dev`), then reconfigured through its Miniflare handle
 * with the bench's Raft bindings. Durable Object storage lives in a temp dir and survives a
 * reconfiguration (workerd restarts, the peers rebuild from SQLite); the dir goes on stop, on
 * error and on exit.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  bundleEdge,
  startEdgeRuntime,
  type EdgeRuntime,
} from '../../local-node/src/dev/edge-runtime.ts';
import { REPO_ROOT } from '../../local-node/src/dev/paths.ts';
import { readEdgeConfig } from '../../local-node/src/dev/wrangler-config.ts';
import { Peers, type PeerNamespace } from './peers.ts';

type Miniflare = NonNullable<EdgeRuntime['miniflare']>;
type MiniflareOptions = Parameters<Miniflare['setOptions']>[0];

export interface RaftTimingVars {
  readonly tickMs: number;
  readonly electionTicks: number;
}

export interface RaftRuntime {
  /**
   * Restarts workerd with the bench's bindings. `faultInjection` sets RAFT_FAULT_INJECTION "on"
   * (RaftPeer.setFaults works only then); production config never sets it.
   */
  configure(options: { faultInjection: boolean }): Promise<Peers>;
  stop(): Promise<void>;
}

/** workerd's own output goes to stderr, so stdout keeps the progress lines and the JSON. */
function toStderr(line: string): void {
  if (line.trim() !== '') process.stderr.write(`[workerd] ${line}\n`);
}

export async function startRaftRuntime(timing: RaftTimingVars): Promise<RaftRuntime> {
  const stateDir = await mkdtemp(join(tmpdir(), 'proxima-raft-do-'));
  // A signal exits at once (Miniflare's own hook kills workerd); the temp dir still goes.
  const removeStateSync = () => rmSync(stateDir, { recursive: true, force: true });
  process.once('exit', removeStateSync);
  let edge: EdgeRuntime | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      try {
        await edge?.stop();
      } finally {
        await rm(stateDir, { recursive: true, force: true });
        process.off('exit', removeStateSync);
      }
    })());

  try {
    const persistDir = join(stateDir, 'edge');
    edge = await startEdgeRuntime({
      port: 0,
      persistDir,
      adminToken: `pxa_bench_${randomBytes(24).toString('base64url')}`,
      onLine: toStderr,
    });
    const mf = edge.miniflare;
    if (!mf) throw new Error('startEdgeRuntime returned no Miniflare handle');
    // Bundled the way the dev runtime bundles (its own bundle's path is its business).
    const scriptPath = join(stateDir, 'bundle', 'index.js');
    await bundleEdge(scriptPath);
    const config = await readEdgeConfig(join(REPO_ROOT, 'edge', 'wrangler.jsonc'));
    const sqlite = new Set(config.sqliteClasses);
    const options = (faultInjection: boolean): MiniflareOptions => ({
      name: 'proxima-edge',
      modules: true,
      scriptPath,
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
        RAFT_TICK_MS: String(timing.tickMs),
        RAFT_ELECTION_TICKS: String(timing.electionTicks),
        // Test builds only: the hook that cuts the leader off for the failover measurement.
        ...(faultInjection ? { RAFT_FAULT_INJECTION: 'on' } : {}),
      },
      host: '127.0.0.1',
      port: 0,
      defaultPersistRoot: join(persistDir, 'state'),
      cf: false,
      handleRuntimeStdio(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) {
        for (const stream of [stdout, stderr]) {
          let buffered = '';
          stream.on('data', (chunk: Buffer | string) => {
            buffered += chunk.toString();
            const lines = buffered.split('\n');
            buffered = lines.pop() ?? '';
            for (const line of lines) toStderr(line);
          });
        }
      },
    });
    const configure = async ({ faultInjection }: { faultInjection: boolean }) => {
      // Proxies from before a setOptions stop working: callers take the fresh Peers.
      await mf.setOptions(options(faultInjection));
      await mf.ready;
      const namespace = (await mf.getDurableObjectNamespace('RAFT_PEER')) as PeerNamespace;
      return new Peers(namespace);
    };
    return { configure, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
