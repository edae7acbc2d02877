/**
 * A proposal as it travels in the Raft log: the proposer's id for it, then the command's bytes.
 * The id lets the proposer recognise its entry when applied and lets every peer drop a retried
 * duplicate. Framing: one byte of id length (1-255, ASCII id), the id, the command.
 */
export interface Envelope {
  readonly id: string;
  readonly command: Uint8Array;
}

export const MAX_PROPOSAL_ID_CHARS = 255;
const ID = /^[\x21-\x7e]{1,255}$/;

export function isProposalId(id: string): boolean {
  return ID.test(id);
}

export function encodeEnvelope(id: string, command: Uint8Array): Uint8Array {
  if (!ID.test(id)) throw new Error(`proposal id must be 1-255 printable ASCII characters`);
  const out = new Uint8Array(1 + id.length + command.length);
  out[0] = id.length;
  for (let i = 0; i < id.length; i++) out[1 + i] = id.charCodeAt(i);
  out.set(command, 1 + id.length);
  return out;
}

/** Null for bytes that are not an envelope (an empty entry a new leader appends, or garbage). */
export function decodeEnvelope(bytes: Uint8Array): Envelope | null {
  const length = bytes[0];
  if (length === undefined || length === 0 || bytes.length < 1 + length) return null;
  let id = '';
  for (let i = 0; i < length; i++) id += String.fromCharCode(bytes[1 + i] as number);
  if (!ID.test(id)) return null;
  return { id, command: bytes.subarray(1 + length) };
}
