import { AppliedIds } from './applied-ids.ts';

/**
 * A replica's snapshot: the applied proposal ids (ASCII, newline-separated, after a 4-byte
 * big-endian length), then the state machine's own snapshot bytes.
 */
export function encodeReplicaSnapshot(ids: AppliedIds, machine: Uint8Array): Uint8Array {
  const text = ids.list().join('\n');
  const out = new Uint8Array(4 + text.length + machine.length);
  new DataView(out.buffer).setUint32(0, text.length);
  for (let i = 0; i < text.length; i++) out[4 + i] = text.charCodeAt(i);
  out.set(machine, 4 + text.length);
  return out;
}

export function decodeReplicaSnapshot(
  bytes: Uint8Array,
  capacity: number,
): { ids: AppliedIds; machine: Uint8Array } {
  if (bytes.length === 0) return { ids: new AppliedIds(capacity), machine: bytes };
  if (bytes.length < 4) throw new Error('replica snapshot is truncated');
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (bytes.length < 4 + length) throw new Error('replica snapshot is truncated');
  let text = '';
  for (let i = 0; i < length; i++) text += String.fromCharCode(bytes[4 + i] as number);
  const ids = new AppliedIds(capacity, text === '' ? [] : text.split('\n'));
  return { ids, machine: bytes.subarray(4 + length) };
}
