/**
 * Which load generator drives the sustained phases: wrk when it is installed (not the
 * bottleneck), else this bench's own node:http client in its own process, which works right
 * after `npm ci` but tops out at a few thousand requests per second on a small machine, so the
 * figures at concurrency 16 then measure the client as much as the gateways.
 * BENCH_PEER_GENERATOR=wrk|node forces one. Streamed first-byte and burst phases always use the
 * node:http client: wrk cannot time a first byte or fire a burst.
 */
import { runClient } from './client-run.ts';
import type { PhaseResult, RequestSpec } from './phase-result.ts';
import { runWrk, wrkVersion } from './wrk.ts';

export interface Generator {
  readonly name: 'wrk' | 'node-http';
  readonly version: string;
  sustained(request: RequestSpec, connections: number, seconds: number): Promise<PhaseResult>;
}

const TIMEOUT_SECONDS = 10;

export function pickGenerator(forced = process.env['BENCH_PEER_GENERATOR']): Generator {
  if (forced !== undefined && forced !== '' && forced !== 'wrk' && forced !== 'node') {
    throw new Error(`BENCH_PEER_GENERATOR must be wrk or node, not ${forced}`);
  }
  const wrk = forced === 'node' ? null : wrkVersion();
  if (forced === 'wrk' && wrk === null) throw new Error('BENCH_PEER_GENERATOR=wrk: no wrk on PATH');
  if (wrk !== null) {
    return {
      name: 'wrk',
      version: wrk,
      sustained: (request, connections, seconds) =>
        runWrk({ request, connections, seconds, timeoutSeconds: TIMEOUT_SECONDS }),
    };
  }
  return {
    name: 'node-http',
    version: `node ${process.version}`,
    sustained: (request, connections, seconds) =>
      runClient({
        mode: 'sustained',
        request,
        concurrency: connections,
        durationMs: seconds * 1000,
        timeoutMs: TIMEOUT_SECONDS * 1000,
      }),
  };
}
