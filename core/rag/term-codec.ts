// Compact bytes for a chunk's term frequencies, as the shard stores them beside its vector:
//   u8 version, then per term (ascending id) u32 id, u16 tf, all little-endian.
// Ascending ids make the bytes deterministic and let decode reject duplicates.

const VERSION = 1;
const PAIR = 6;
/** Larger frequencies are stored as this; BM25 saturates long before. */
export const MAX_STORED_TF = 0xffff;

export function encodeTerms(terms: ReadonlyMap<number, number>): Uint8Array {
  const ids = [...terms.keys()].sort((a, b) => a - b);
  const bytes = new Uint8Array(1 + ids.length * PAIR);
  const view = new DataView(bytes.buffer);
  bytes[0] = VERSION;
  ids.forEach((id, i) => {
    const tf = terms.get(id)!;
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
      throw new RangeError(`term ids are u32, got ${id}`);
    }
    if (!Number.isInteger(tf) || tf < 1)
      throw new RangeError(`term frequencies are positive integers, got ${tf}`);
    view.setUint32(1 + i * PAIR, id, true);
    view.setUint16(5 + i * PAIR, Math.min(tf, MAX_STORED_TF), true);
  });
  return bytes;
}

export function decodeTerms(bytes: Uint8Array): Map<number, number> {
  if (bytes.length < 1 || bytes[0] !== VERSION) {
    throw new RangeError(`term bytes: expected version ${VERSION}, got ${bytes[0] ?? 'nothing'}`);
  }
  if ((bytes.length - 1) % PAIR !== 0) {
    throw new RangeError(`term bytes: ${bytes.length - 1} bytes is not a whole number of pairs`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const terms = new Map<number, number>();
  let prev = -1;
  for (let at = 1; at < bytes.length; at += PAIR) {
    const id = view.getUint32(at, true);
    const tf = view.getUint16(at + 4, true);
    if (id <= prev) throw new RangeError('term bytes: ids are not strictly ascending');
    if (tf === 0) throw new RangeError(`term bytes: zero frequency for term ${id}`);
    terms.set(id, tf);
    prev = id;
  }
  return terms;
}
