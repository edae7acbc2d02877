// A Ready is one batch of work for the driver. Handle it in this order:
//   1. persist hardState, entries and snapshot (durably: these guard votes and acknowledgements);
//   2. send messages (only after step 1: a vote or an ack must never outrun its persistence);
//   3. apply the snapshot, then committedEntries, and serve readStates once applied;
//   4. call advance().
import type { Entry, HardState, Message, ReadState, Snapshot, SoftState } from './types.ts';

export interface Ready {
  /** Set when leader or role changed since the last Ready. Volatile: not persisted. */
  readonly softState: SoftState | null;
  /** Set when term, vote or commit changed: persist before sending messages. */
  readonly hardState: HardState | null;
  readonly readStates: readonly ReadState[];
  /** Entries to append to stable storage before sending messages. */
  readonly entries: readonly Entry[];
  /** Snapshot to persist (and to restore the state machine from). */
  readonly snapshot: Snapshot | null;
  /** Entries to apply to the state machine (already committed). */
  readonly committedEntries: readonly Entry[];
  /** Messages to send once the above is persisted. */
  readonly messages: readonly Message[];
  /** Whether the writes must be synced (new entries, or a changed term or vote). */
  readonly mustSync: boolean;
}

export function isReadyEmpty(rd: Ready): boolean {
  return (
    rd.softState === null &&
    rd.hardState === null &&
    rd.readStates.length === 0 &&
    rd.entries.length === 0 &&
    rd.snapshot === null &&
    rd.committedEntries.length === 0 &&
    rd.messages.length === 0
  );
}
