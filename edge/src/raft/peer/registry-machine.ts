import {
  applyEntry,
  decodeSnapshot,
  emptyState,
  encodeSnapshot,
  type ApplyResult,
  type RegistryState,
} from '@proxima/core/registry';
import type { StateMachine } from '@proxima/core/replica';

export type { RegistryState };
export type RegistryApplied = ApplyResult<unknown>;

/** The registry's state machine as a replica hosts it. */
export const registryMachine: StateMachine<RegistryState, RegistryApplied> = {
  initial: emptyState(),
  apply(state, command) {
    const applied = applyEntry(state, command);
    return { state: applied.state, result: applied.result };
  },
  snapshot: encodeSnapshot,
  restore: decodeSnapshot,
};
