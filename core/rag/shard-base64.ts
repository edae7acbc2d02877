// Centroids travel in JSON as base64 of little-endian f32 (a third of the size of decimal text, and
// bit-exact). core/ is pure and ES2023 has no base64, hence this small codec; the byte order is fixed
// with a DataView, whatever the host's.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Map([...ALPHABET].map((ch, i) => [ch, i]));
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function f32ToBase64(v: Float32Array): string {
  const bytes = new Uint8Array(v.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < v.length; i++) view.setFloat32(i * 4, v[i]!, true);
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]!;
    out +=
      b === undefined
        ? '=='
        : ALPHABET[(n >>> 6) & 63]! + (c === undefined ? '=' : ALPHABET[n & 63]!);
  }
  return out;
}

/** The f32 values of a base64 string; null when it is not canonical base64 of whole f32s. */
export function base64ToF32(text: string): Float32Array | null {
  if (!BASE64.test(text)) return null;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const length = (text.length / 4) * 3 - pad;
  if (length % 4 !== 0) return null;
  // Canonical: the bits past the last byte are zero, so one value has exactly one encoding.
  const last = VALUE.get(text[text.length - 1 - pad]!) ?? 0;
  if ((pad === 2 && (last & 15) !== 0) || (pad === 1 && (last & 3) !== 0)) return null;
  const bytes = new Uint8Array(length);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) n = (n << 6) | (VALUE.get(text[i + j]!) ?? 0);
    for (let shift = 16; shift >= 0 && o < length; shift -= 8) bytes[o++] = (n >>> shift) & 255;
  }
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
