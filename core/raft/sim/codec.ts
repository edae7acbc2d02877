// Strings to bytes and back without TextEncoder (the pure core has no DOM or Node globals):
// two bytes per UTF-16 code unit, which round-trips every JS string.

export function encodeString(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[2 * i] = c >>> 8;
    out[2 * i + 1] = c & 0xff;
  }
  return out;
}

export function decodeString(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2)
    s += String.fromCharCode(((b[i] as number) << 8) | (b[i + 1] as number));
  return s;
}
