/**
 * A deterministic state machine that a Replica keeps in step on every peer. `apply` must give
 * the same result and state on every peer for the same command (no clock, no randomness: a time
 * a command needs travels inside it).
 */
export interface StateMachine<S, R> {
  readonly initial: S;
  /** Applies one committed command's bytes. Bytes that do not decode give a refusal result. */
  apply(state: S, command: Uint8Array): { readonly state: S; readonly result: R };
  /** Deterministic bytes of a state: the same state gives the same bytes on every peer. */
  snapshot(state: S): Uint8Array;
  restore(bytes: Uint8Array): S;
}
