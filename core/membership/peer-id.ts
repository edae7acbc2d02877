// The one rule for a peer number, as the CLI and the admin API state it.
import type { NodeId } from '../raft/index.ts';
import { MAX_PEER_ID } from '../replica/index.ts';

export const PEER_ID_RULE = `an integer from 1 to ${MAX_PEER_ID}`;

export function isPeerId(value: unknown): value is NodeId {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_PEER_ID;
}

/** A peer number written in a path or on a command line: digits only, no sign, no exponent. */
export function parsePeerId(text: string): NodeId | null {
  if (!/^[0-9]{1,3}$/.test(text)) return null;
  const id = Number(text);
  return isPeerId(id) ? id : null;
}
