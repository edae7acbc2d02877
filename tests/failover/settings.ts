/**
 * The harness settings the failover e2e test and the soak share: a 1 s heartbeat (a silent node is
 * suspect after 1.5 s, gone after 3 s; the edge's workerd tests use the same), a 1.5 s stream
 * stall, five lanes of three nodes. A shorter heartbeat was tried: at 250 ms and 500 ms, on a
 * shared two-core machine, live nodes missed it often (scheduling alone), so the run measured the
 * machine's load rather than the edge.
 */
import { FlagError, type FailoverFlags } from './flags.ts';
import type { HarnessOptions } from './harness.ts';
import { FAULT_KINDS } from './round.ts';

export const TEST_DEFAULTS: FailoverFlags = {
  faults: 200,
  lanes: 5,
  nodes: 3,
  heartbeatMs: 1000,
  streamStallMs: 1500,
  tokenDelayMs: 20,
  kinds: FAULT_KINDS,
  seed: 1,
  verbose: false,
  help: false,
};

/** The harness's settings for these flags. */
export function harnessOptions(flags: FailoverFlags): HarnessOptions {
  const slow = flags.tokenDelayMs * 3;
  if (flags.streamStallMs !== null && slow * 2 > flags.streamStallMs)
    throw new FlagError(
      `--stream-stall-ms ${flags.streamStallMs} is too short for a slow node at ${slow} ms a token (3 × --token-delay-ms): give it at least ${slow * 2}`,
    );
  return {
    faults: flags.faults,
    kinds: flags.kinds,
    referenceRounds: 0,
    lanes: flags.lanes,
    nodesPerLane: flags.nodes,
    heartbeatMs: flags.heartbeatMs,
    streamStallMs: flags.streamStallMs,
    continuations: null,
    slots: 8,
    backoff: { baseMs: 100, maxMs: 800 },
    seed: flags.seed,
    round: {
      tokenDelayMs: flags.tokenDelayMs,
      slowTokenDelayMs: slow,
      streams: 3,
      wholes: 1,
      targetTokens: 32,
      otherTokens: [8, 32],
      naturalStops: true,
      chatDeadlineMs: 60_000 + 20 * flags.heartbeatMs + (flags.streamStallMs ?? 30_000),
      readyTimeoutMs: 60_000,
      detectTimeoutMs: 10 * flags.heartbeatMs + 5000,
      heartbeatMs: flags.heartbeatMs,
    },
  };
}
