// What applying a command answers. A refusal is a result, not an exception: every peer must reach
// the same state whatever happened, and a refused command changes nothing.
import { ProximaError, type ErrorCode } from '../protocol/errors.ts';
import type { RegistryState } from './state.ts';

/** Each refusal and the HTTP-facing error an adapter answers it with. */
export const REFUSALS = {
  /** The command failed validation (apply checks it too, so a hand-built one cannot slip by). */
  invalid_command: 'invalid_request',
  not_found: 'not_found',
  tenant_has_keys: 'conflict',
  key_exists: 'conflict',
  already_expired: 'invalid_request',
  token_exists: 'conflict',
  /** node.enroll: the node id already has a token. */
  node_id_taken: 'conflict',
  /** node.bind: the token is bound to another node id. */
  bound_elsewhere: 'conflict',
  /** node.bind: the node id is bound to another token. */
  id_taken: 'conflict',
  /** model.seen from a node id that no token is bound to. */
  unknown_node: 'conflict',
  /** route.set that would make an alias point at an alias. */
  route_chain: 'conflict',
  /** shards.set whose version is not the current one + 1. */
  version_conflict: 'conflict',
} as const satisfies Record<string, ErrorCode>;

export type RefusalCode = keyof typeof REFUSALS;

/**
 * The messages of key_exists and token_exists when the very same secret is registered already (the
 * same codes with another message mean a different secret holds the id). Whoever re-proposes
 * rows, such as the hand-over from the plain registry, tells the two apart by these.
 */
export const ALREADY_REGISTERED = {
  key_exists: 'That key is already registered.',
  token_exists: 'That token is already registered.',
} as const satisfies Partial<Record<RefusalCode, string>>;

export interface Refusal {
  readonly ok: false;
  readonly code: RefusalCode;
  readonly message: string;
}

export type ApplyResult<T> = { readonly ok: true; readonly value: T } | Refusal;

export interface Applied<T> {
  readonly state: RegistryState;
  readonly result: ApplyResult<T>;
}

export function accepted<T>(state: RegistryState, value: T): Applied<T> {
  return { state, result: { ok: true, value } };
}

/** The state comes back unchanged: a refused command leaves no trace. */
export function refused(state: RegistryState, code: RefusalCode, message: string): Applied<never> {
  return { state, result: { ok: false, code, message } };
}

/** The error an adapter throws for a refusal (400, 404 or 409). */
export function refusalError(refusal: Refusal): ProximaError {
  return new ProximaError(REFUSALS[refusal.code], refusal.message);
}
