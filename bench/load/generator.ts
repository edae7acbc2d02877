/**
 * Which load generator drives a bench's sustained runs: wrk when it is installed (not the
 * bottleneck), else the node:http client (client.ts) in its own process, which works right after
 * `npm ci` but tops out at a few thousand requests per second on a small machine, so figures at
 * high concurrency then measure the client as much as the target. The bench names the
 * environment variable that forces one (`wrk` or `node`) and reports `name` and `version`.
 */
import { runClient } from './client-run.ts';
import type { PhaseResult } from './phase-result.ts';
import type { RequestSpec } from './request.ts';
import { runWrk, wrkVersion } from './wrk.ts';

export interface SustainedRun {
  readonly request: RequestSpec;
  readonly connections: number;
  readonly seconds: number;
  /**
   * Also fill `PhaseResult.measured`, every request as measured. wrk then runs one thread per
   * connection (its Lua hooks pair up only so) instead of one thread; the node client always does.
   */
  readonly measured?: boolean;
}

export interface Generator {
  readonly name: 'wrk' | 'node-http';
  readonly version: string;
  /**
   * Whether `PhaseResult.latency` is wrk's histogram, corrected for coordinated omission (true),
   * or every request as measured (false).
   */
  readonly latencyCorrected: boolean;
  sustained(run: SustainedRun): Promise<PhaseResult>;
}

const TIMEOUT_SECONDS = 10;

/** Picks wrk or the node client; `variable` (e.g. BENCH_PEER_GENERATOR) may force one. */
export function pickGenerator(variable: string): Generator {
  const forced = process.env[variable];
  if (forced !== undefined && forced !== '' && forced !== 'wrk' && forced !== 'node') {
    throw new Error(`${variable} must be wrk or node, not ${forced}`);
  }
  const wrk = forced === 'node' ? null : wrkVersion();
  if (forced === 'wrk' && wrk === null) throw new Error(`${variable}=wrk: no wrk on PATH`);
  if (wrk !== null) {
    return {
      name: 'wrk',
      version: wrk,
      latencyCorrected: true,
      sustained: (run) =>
        runWrk({ ...run, measured: run.measured ?? false, timeoutSeconds: TIMEOUT_SECONDS }),
    };
  }
  return {
    name: 'node-http',
    version: `node ${process.version}`,
    latencyCorrected: false,
    sustained: (run) =>
      runClient({
        mode: 'sustained',
        request: run.request,
        concurrency: run.connections,
        durationMs: run.seconds * 1000,
        timeoutMs: TIMEOUT_SECONDS * 1000,
      }),
  };
}
