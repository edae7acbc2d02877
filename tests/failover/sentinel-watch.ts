/**
 * Watches what the edge's sentinel (GET /admin/nodes) says of a node after a fault: when it
 * stops listing it healthy (detection), and whether it passed through 'suspect' on the way. A
 * node whose session was replaced (it reconnected) counts as marked: its old session ended.
 */
import { SUSPECT_AFTER_INTERVALS, GONE_AFTER_INTERVALS } from '@proxima/core/routing';
import type { FailoverEdge, NodeStatus } from './edge.ts';

export type SentinelState = 'healthy' | 'suspect' | 'gone' | 'disconnected' | 'reconnected';

export interface SentinelWatch {
  /** Fault → the first view that is not 'healthy'; null if none within the watch. */
  readonly detectMs: number | null;
  /**
   * The first view that was not healthy said 'suspect'. Null when it did not and the polls were
   * too far apart to see it: a silent node is suspect for 1.5 intervals only (from 1.5 to 3
   * intervals after its last heartbeat), and under load two polls can straddle that window.
   */
  readonly suspectSeen: boolean | null;
  /** Distinct states in the order seen. */
  readonly states: readonly SentinelState[];
}

const POLL_MS = 30;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function stateOf(status: NodeStatus | undefined, session: number): SentinelState {
  if (!status?.connected || status.health === null) return 'disconnected';
  if (status.session !== session) return 'reconnected';
  return status.health;
}

/**
 * Polls from `faultAt` (performance.now()) until the node is no longer listed healthy, or until
 * `timeoutMs`. A silent node (stopped, blackholed) must show up as 'suspect' first, before its
 * session gives up on it; a killed or cut one leaves at once.
 */
export async function watchSentinel(
  edge: FailoverEdge,
  nodeId: string,
  session: number,
  faultAt: number,
  heartbeatMs: number,
  timeoutMs: number,
): Promise<SentinelWatch> {
  const states: SentinelState[] = [];
  const suspectWindowMs = (GONE_AFTER_INTERVALS - SUSPECT_AFTER_INTERVALS) * heartbeatMs;
  /** When the last poll that found it healthy was sent: the view was healthy at or after it. */
  let healthySince = faultAt;
  for (;;) {
    const sent = performance.now();
    const nodes = await edge.nodes();
    const now = performance.now();
    const state = stateOf(nodes.get(nodeId), session);
    if (states.at(-1) !== state) states.push(state);
    if (state !== 'healthy') {
      // Two views taken less than the window apart cannot both miss it.
      const observable = now - healthySince <= suspectWindowMs;
      const suspectSeen = state === 'suspect' ? true : observable ? false : null;
      return { detectMs: now - faultAt, suspectSeen, states };
    }
    healthySince = sent;
    if (now - faultAt > timeoutMs) return { detectMs: null, suspectSeen: false, states };
    await sleep(POLL_MS);
  }
}
