// The Worker's side of the hand-over: before the first registry read in an isolate, make sure the
// old registry's rows are in the replicated one. After one successful call the isolate never asks
// again, so the hot path pays a resolved promise; a fresh install pays one cheap RPC per isolate.
import { ProximaError } from '@proxima/core/protocol';
import { legacyRegistryStub, type Env } from '../env.ts';
import type { HandOverReport } from './hand-over-report.ts';

let handedOver = false;
let inFlight: Promise<void> | null = null;

/**
 * Resolves once the old registry has handed its rows over (or reported the ones it cannot: those
 * are logged and do not block serving). Throws a ProximaError 'no_capacity' (503, retry) while
 * the replicated registry has no leader to take them.
 */
export function ensureLegacyHandedOver(env: Env): Promise<void> {
  if (handedOver) return Promise.resolve();
  inFlight ??= handOverOnce(env).finally(() => {
    inFlight = null;
  });
  return inFlight;
}

/**
 * Runs the hand-over if it is not complete and answers its report (what the admin route shows).
 * Throws a ProximaError 'no_capacity' (503) while the replicated registry has no leader.
 */
export async function legacyHandOverReport(env: Env): Promise<HandOverReport> {
  try {
    return await legacyRegistryStub(env).handOver();
  } catch (err) {
    // An RPC rejection loses its ProximaError class, so the cause is logged and the answer restated.
    console.warn(
      JSON.stringify({
        event: 'registry_hand_over_failed',
        error: err instanceof Error ? err.message.slice(0, 300) : String(err),
      }),
    );
    throw new ProximaError(
      'no_capacity',
      'The registry is migrating state from the previous version and cannot reach a leader right now; retry shortly.',
      { retryAfter: 2 },
    );
  }
}

async function handOverOnce(env: Env): Promise<void> {
  const report = await legacyHandOverReport(env);
  handedOver = true;
  // Said once per isolate while rows are stuck; dropped limits only by the run that moved them.
  const droppedNow = report.proposals > 0 && report.limitsDropped.length > 0;
  if (!report.complete || droppedNow) {
    console.warn(
      JSON.stringify({
        event: 'registry_hand_over_incomplete',
        complete: report.complete,
        refused: report.refused,
        limitsDropped: report.limitsDropped,
        hint: 'Refused rows stay in the old registry and are retried by the next isolate; GET /admin/registry/hand-over shows the report.',
      }),
    );
  }
}
