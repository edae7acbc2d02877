/**
 * The edge in local workerd for bench:raft-do, started by the dev runtime (startEdgeRuntime, the
 * same Miniflare and workerd as `proxima dev`) with the bench's Raft bindings. Durable Object
 * storage lives in a temp dir and survives a reconfiguration (a new workerd over it; the peers
 * rebuild from SQLite); the dir goes on stop, on error and on exit.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEdgeRuntime, type EdgeRuntime } from '../../local-node/src/dev/edge-runtime.ts';
import { Peers, type PeerNamespace } from './peers.ts';

export interface RaftTimingVars {
  readonly tickMs: number;
  readonly electionTicks: number;
}

export interface ConfigureOptions {
  readonly faultInjection: boolean;
  readonly batchMs?: string | undefined;
}

export interface RaftRuntime {
  /**
   * Restarts workerd with the bench's bindings. `faultInjection` sets RAFT_FAULT_INJECTION "on"
   * (RaftPeer.setFaults works only then); production config never sets it. `batchMs` sets
   * RAFT_BATCH_MS (unset: the peers' default).
   */
  configure(options: ConfigureOptions): Promise<Peers>;
  /** The running edge's base URL and admin token, for calls through the Worker itself. */
  edge(): { readonly url: string; readonly adminToken: string };
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

  const persistDir = join(stateDir, 'edge');
  const adminToken = `pxa_bench_${randomBytes(24).toString('base64url')}`;
  // Each configuration is a fresh workerd over the same storage: the peers rebuild from SQLite.
  const configure = async ({ faultInjection, batchMs }: ConfigureOptions) => {
    await edge?.stop();
    edge = await startEdgeRuntime({
      port: 0,
      persistDir,
      adminToken,
      bindings: {
        RAFT_TICK_MS: String(timing.tickMs),
        RAFT_ELECTION_TICKS: String(timing.electionTicks),
        ...(batchMs === undefined ? {} : { RAFT_BATCH_MS: batchMs }),
        // Test builds only: the hook that cuts the leader off for the failover measurement.
        ...(faultInjection ? { RAFT_FAULT_INJECTION: 'on' } : {}),
      },
      onLine: toStderr,
    });
    const mf = edge.miniflare;
    if (!mf) throw new Error('startEdgeRuntime returned no Miniflare handle');
    const namespace = (await mf.getDurableObjectNamespace('RAFT_PEER')) as PeerNamespace;
    return new Peers(namespace);
  };
  const current = () => {
    if (!edge) throw new Error('the edge is not configured yet');
    return { url: edge.url, adminToken };
  };
  return { configure, edge: current, stop };
}
