import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8Length } from './limits.ts';
import { decodeUtf8, encodeUtf8 } from './utf8.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Any JS string, lone surrogates included. */
const anyString = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
});

function strictDecode(bytes: Uint8Array): string | null {
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

describe('encodeUtf8', () => {
  it('gives the bytes TextEncoder gives, for any string (a lone surrogate is U+FFFD)', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        expect(encodeUtf8(s)).toEqual(encoder.encode(s));
      }),
    );
  });

  it('writes exactly utf8Length(s) bytes', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        expect(encodeUtf8(s).length).toBe(utf8Length(s));
      }),
    );
  });

  it('encodes each sequence length', () => {
    expect([...encodeUtf8('a\u00e9\u20ac\u{1f600}')]).toEqual([
      0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80,
    ]);
  });
});

describe('decodeUtf8', () => {
  it('round-trips every well-formed string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(decodeUtf8(encodeUtf8(s))).toBe(s);
      }),
    );
  });

  it('agrees with a fatal TextDecoder on arbitrary bytes: same text, or refused by both', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decodeUtf8(bytes)).toBe(strictDecode(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes long text across its internal chunks', () => {
    const text = '\u{1f600}é'.repeat(5000);
    expect(decodeUtf8(encodeUtf8(text))).toBe(text);
  });

  it.each([
    ['a stray continuation byte', [0x80]],
    ['a truncated two-byte sequence', [0xc3]],
    ['a truncated four-byte sequence', [0xf0, 0x9f, 0x98]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['an overlong three-byte sequence', [0xe0, 0x80, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a byte that never appears', [0xff]],
  ])('refuses %s', (_what, bytes) => {
    expect(decodeUtf8(new Uint8Array(bytes))).toBeNull();
  });
});
