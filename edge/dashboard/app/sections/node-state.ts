import type { NodeState } from '@proxima/core/dashboard';

/** The badge tone for a node state; the state's word is always shown beside the colour. */
export const NODE_STATE_TONE = {
  ready: 'ok',
  suspect: 'warn',
  draining: 'info',
  gone: 'muted',
} as const satisfies Record<NodeState, string>;
