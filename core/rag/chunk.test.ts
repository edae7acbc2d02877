import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProximaError } from '../protocol/errors.ts';
import { CHUNK_DEFAULTS, chunkText, type Chunk, type ChunkOptions } from './chunk.ts';
import { RAG_LIMITS } from './limits.ts';

const isWs = (ch: string): boolean => /\s/.test(ch);

/** Every invariant that holds for any input and any valid options. */
function checkChunks(text: string, chunks: Chunk[], max: number): void {
  chunks.forEach((c, i) => {
    expect(c.index).toBe(i);
    expect(c.text).toBe(text.slice(c.start, c.end));
    expect(c.text.length).toBeGreaterThan(0);
    expect(c.text.length).toBeLessThanOrEqual(max);
    expect(c.text.trim()).toBe(c.text);
    // No boundary falls between the halves of a surrogate pair.
    expect(
      /[\uD800-\uDBFF]/.test(text[c.start - 1] ?? '') && /[\uDC00-\uDFFF]/.test(text[c.start]!),
    ).toBe(false);
    expect(
      /[\uD800-\uDBFF]/.test(text[c.end - 1]!) && /[\uDC00-\uDFFF]/.test(text[c.end] ?? ''),
    ).toBe(false);
    if (i > 0) {
      expect(c.start).toBeGreaterThan(chunks[i - 1]!.start);
      expect(c.end).toBeGreaterThan(chunks[i - 1]!.end);
    }
  });
  const covered = new Uint8Array(text.length);
  for (const c of chunks) covered.fill(1, c.start, c.end);
  const missed: number[] = [];
  for (let i = 0; i < text.length; i++) if (!isWs(text[i]!) && covered[i] === 0) missed.push(i);
  expect(missed).toEqual([]);
}

const options = (
  minGap: number,
  maxOverlapShare: number,
): fc.Arbitrary<Required<Omit<ChunkOptions, 'documentId' | 'maxChunks'>>> =>
  fc
    .record({
      target: fc.integer({ min: minGap + 1, max: 400 }),
      share: fc.double({ min: 0, max: maxOverlapShare, noNaN: true }),
      extra: fc.integer({ min: 0, max: 300 }),
    })
    .map(({ target, share, extra }) => {
      const overlapChars = Math.min(Math.floor(target * share), target - minGap);
      return {
        targetChars: target,
        overlapChars: Math.max(0, overlapChars),
        maxChars: target + extra,
      };
    });

const piece = fc.oneof(
  fc.stringMatching(/^[a-z]{1,8}$/),
  fc.constantFrom(
    ' ',
    ' ',
    ' ',
    '. ',
    '! ',
    '\n',
    '\n\n',
    '?" ',
    '  ',
    '\t',
    '😀',
    '東京。',
    'ab😀cd',
  ),
);
/** Text whose whitespace runs are short and words at most 8 characters (plus an emoji). */
const prose = fc.array(piece, { maxLength: 600 }).map((p) => p.join(''));
/** Anything: long whitespace runs, long words, lone surrogates. */
const anyText = fc.oneof(
  fc.string({ unit: 'grapheme-composite', maxLength: 2000 }),
  fc
    .array(
      fc.oneof(
        piece,
        fc.constantFrom(' '.repeat(500), 'x'.repeat(700), '\n'.repeat(300), '\uD800'),
      ),
      { maxLength: 60 },
    )
    .map((p) => p.join('')),
);

describe('chunkText properties', () => {
  it('covers every non-space character, within maxChars, offsets exact, deterministic', () => {
    fc.assert(
      fc.property(anyText, options(1, 0.9), (text, o) => {
        const chunks = chunkText(text, o);
        checkChunks(text, chunks, o.maxChars);
        expect(chunkText(text, o)).toEqual(chunks);
      }),
      { numRuns: 300 },
    );
  });

  it('starts each chunk with at least overlapChars of the previous one, at a word start', () => {
    fc.assert(
      fc.property(
        prose,
        options(24, 0.25).filter((o) => o.targetChars >= 80),
        (text, o) => {
          const chunks = chunkText(text, o);
          checkChunks(text, chunks, o.maxChars);
          for (let i = 1; i < chunks.length; i++) {
            const c = chunks[i]!;
            expect(c.start).toBeLessThanOrEqual(chunks[i - 1]!.end - o.overlapChars);
            if (o.overlapChars > 0) expect(isWs(text[c.start - 1]!)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('chunkText', () => {
  it('returns nothing for empty or blank text', () => {
    expect(chunkText('')).toEqual([]);
    expect(chunkText(' \n\t\u3000 ')).toEqual([]);
  });

  it('keeps a short text whole, without its outer whitespace', () => {
    expect(chunkText('\n  Hello world.  \n')).toEqual([
      { index: 0, text: 'Hello world.', start: 3, end: 15 },
    ]);
  });

  it('cuts at a paragraph break before a sentence end, and a sentence end before a space', () => {
    const para =
      'Alpha beta gamma. Delta epsilon zeta eta theta.\n\nIota kappa lambda mu nu xi omicron pi rho.';
    const [first] = chunkText(para, { targetChars: 40, overlapChars: 0, maxChars: 60 });
    expect(first!.text).toBe('Alpha beta gamma. Delta epsilon zeta eta theta.');
    const sentences =
      'Alpha beta gamma delta. Epsilon zeta eta theta iota kappa lambda mu nu xi omicron';
    const [s] = chunkText(sentences, { targetChars: 40, overlapChars: 0, maxChars: 50 });
    expect(s!.text).toBe('Alpha beta gamma delta.');
  });

  it('cuts hard at maxChars without a space, never inside a surrogate pair', () => {
    const emoji = '😀'.repeat(50); // 100 UTF-16 units
    const chunks = chunkText(emoji, { targetChars: 20, overlapChars: 5, maxChars: 25 });
    checkChunks(emoji, chunks, 25);
    for (const c of chunks) expect(c.text.length % 2).toBe(0);
    const plain = 'x'.repeat(100);
    expect(
      chunkText(plain, { targetChars: 20, overlapChars: 0, maxChars: 30 }).map(
        (c) => c.text.length,
      ),
    ).toEqual([30, 30, 30, 10]);
  });

  it('with the defaults, cuts a long document into ~1200-character chunks with 200 repeated', () => {
    const sentence = (i: number): string =>
      `Sentence ${i} talks about durable objects and their storage rows.`;
    const doc = Array.from(
      { length: 400 },
      (_, i) => sentence(i) + (i % 5 === 4 ? '\n\n' : ' '),
    ).join('');
    const chunks = chunkText(doc);
    checkChunks(doc, chunks, CHUNK_DEFAULTS.maxChars);
    for (let i = 1; i < chunks.length; i++) {
      expect(chunks[i - 1]!.end - chunks[i]!.start).toBeGreaterThanOrEqual(
        CHUNK_DEFAULTS.overlapChars,
      );
      expect(chunks[i - 1]!.text.length).toBeGreaterThanOrEqual(CHUNK_DEFAULTS.targetChars / 2);
    }
    const mean = chunks.reduce((n, c) => n + c.text.length, 0) / chunks.length;
    expect(mean).toBeGreaterThan(900);
    expect(mean).toBeLessThan(1500);
  });

  it('refuses more than maxChunks chunks with a 413 naming the document', () => {
    const doc = 'word '.repeat(2000);
    expect(
      chunkText(doc, { targetChars: 100, overlapChars: 10, maxChars: 120, maxChunks: 200 }).length,
    ).toBeLessThanOrEqual(200);
    let err: unknown;
    try {
      chunkText(doc, {
        targetChars: 100,
        overlapChars: 10,
        maxChars: 120,
        maxChunks: 5,
        documentId: 'docs/a b.md',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProximaError);
    expect((err as ProximaError).code).toBe('payload_too_large');
    expect((err as ProximaError).message).toContain("'docs/a b.md'");
  });

  it('keeps a maximal document under chunksPerDocument with the defaults', () => {
    const doc = 'lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(
      Math.floor((2 * 1024 * 1024) / 57),
    );
    const t0 = performance.now();
    const chunks = chunkText(doc);
    const ms = performance.now() - t0;
    expect(chunks.length).toBeLessThan(RAG_LIMITS.chunksPerDocument);
    expect(ms).toBeLessThan(2000);
  });

  it('rejects inconsistent options', () => {
    expect(() => chunkText('x', { targetChars: 100, overlapChars: 100 })).toThrow(RangeError);
    expect(() => chunkText('x', { targetChars: 100, maxChars: 99 })).toThrow(RangeError);
    expect(() => chunkText('x', { overlapChars: -1 })).toThrow(RangeError);
    expect(() => chunkText('x', { targetChars: 1.5 })).toThrow(RangeError);
  });
});
