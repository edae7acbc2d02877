// UTF-8 bytes from strings and back (the registry's log entries and snapshots). The pure core
// has no TextEncoder in its typing, so this is written out; the length rule is utf8Length's, the
// one in core/protocol (a lone surrogate is U+FFFD, as TextEncoder has it).
import { utf8Length } from './limits.ts';

/** What TextEncoder.encode gives: well-formed text exactly, a lone surrogate as U+FFFD. */
export function encodeUtf8(text: string): Uint8Array {
  const out = new Uint8Array(utf8Length(text));
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else c = 0xfffd;
    }
    if (c < 0x80) out[o++] = c;
    else if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 0x3f);
    } else if (c < 0x10000) {
      out[o++] = 0xe0 | (c >> 12);
      out[o++] = 0x80 | ((c >> 6) & 0x3f);
      out[o++] = 0x80 | (c & 0x3f);
    } else {
      out[o++] = 0xf0 | (c >> 18);
      out[o++] = 0x80 | ((c >> 12) & 0x3f);
      out[o++] = 0x80 | ((c >> 6) & 0x3f);
      out[o++] = 0x80 | (c & 0x3f);
    }
  }
  return out;
}

/** Code units gathered before each String.fromCharCode call (well under engines' argument limits). */
const CHUNK = 4096;

/**
 * The text that `bytes` encode, or null when they are not well-formed UTF-8 (a stray continuation
 * byte, a truncated or overlong sequence, an encoded surrogate, a code point past U+10FFFF).
 * Stricter than TextDecoder's default, which would replace them: corrupt bytes must not decode.
 */
export function decodeUtf8(bytes: Uint8Array): string | null {
  let text = '';
  const units: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i] ?? 0;
    let cp: number;
    let size: number;
    if (b0 < 0x80) {
      cp = b0;
      size = 1;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      const b1 = continuation(bytes, i + 1, 0x80, 0xbf);
      if (b1 < 0) return null;
      cp = ((b0 & 0x1f) << 6) | b1;
      size = 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      // E0 needs A0.. (no overlongs); ED needs ..9F (no surrogates).
      const b1 = continuation(bytes, i + 1, b0 === 0xe0 ? 0xa0 : 0x80, b0 === 0xed ? 0x9f : 0xbf);
      const b2 = continuation(bytes, i + 2, 0x80, 0xbf);
      if (b1 < 0 || b2 < 0) return null;
      cp = ((b0 & 0x0f) << 12) | (b1 << 6) | b2;
      size = 3;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      // F0 needs 90.. (no overlongs); F4 needs ..8F (nothing past U+10FFFF).
      const b1 = continuation(bytes, i + 1, b0 === 0xf0 ? 0x90 : 0x80, b0 === 0xf4 ? 0x8f : 0xbf);
      const b2 = continuation(bytes, i + 2, 0x80, 0xbf);
      const b3 = continuation(bytes, i + 3, 0x80, 0xbf);
      if (b1 < 0 || b2 < 0 || b3 < 0) return null;
      cp = ((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3;
      size = 4;
    } else return null;
    if (cp < 0x10000) units.push(cp);
    else units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
    if (units.length >= CHUNK) {
      text += String.fromCharCode(...units);
      units.length = 0;
    }
    i += size;
  }
  return text + String.fromCharCode(...units);
}

/** The low six bits of the continuation byte at `at` when it lies in [min, max]; -1 otherwise. */
function continuation(bytes: Uint8Array, at: number, min: number, max: number): number {
  const b = bytes[at];
  return b !== undefined && b >= min && b <= max ? b & 0x3f : -1;
}
