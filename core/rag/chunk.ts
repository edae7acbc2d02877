// Splits a document's plain text into overlapping chunks for embedding and BM25. Offsets point into
// the input, so a hit can be shown in its place. Cuts prefer, in order: a paragraph break, a sentence
// end, a line break, any whitespace, and only then a hard cut (never inside a surrogate pair).
import { ProximaError } from '../protocol/errors.ts';
import { quote } from '../protocol/limits.ts';
import { RAG_LIMITS } from './limits.ts';

export interface Chunk {
  readonly index: number;
  readonly text: string;
  /** text === input.slice(start, end) */
  readonly start: number;
  readonly end: number;
}

export interface ChunkOptions {
  /** Preferred chunk length in UTF-16 units, overlap included. */
  readonly targetChars?: number;
  /** Each chunk after the first repeats at least this much of the previous chunk's tail. */
  readonly overlapChars?: number;
  /** No chunk is longer. */
  readonly maxChars?: number;
  /** More chunks than this is a 413 (default RAG_LIMITS.chunksPerDocument). */
  readonly maxChunks?: number;
  /** Named in that error. */
  readonly documentId?: string;
}

export const CHUNK_DEFAULTS = { targetChars: 1200, overlapChars: 200, maxChars: 1600 } as const;

/** Cut kinds, best first; a cut of a better kind anywhere in the window wins. */
const PARAGRAPH = 0;
const SENTENCE = 1;
const LINE = 2;
const SPACE = 3;
const KINDS = 4;

export function chunkText(text: string, options: ChunkOptions = {}): Chunk[] {
  const target = options.targetChars ?? CHUNK_DEFAULTS.targetChars;
  const overlap = options.overlapChars ?? CHUNK_DEFAULTS.overlapChars;
  const max = options.maxChars ?? CHUNK_DEFAULTS.maxChars;
  const maxChunks = options.maxChunks ?? RAG_LIMITS.chunksPerDocument;
  checkOptions(target, overlap, max);

  let last = text.length;
  while (last > 0 && isSpace(text.charCodeAt(last - 1))) last--;
  let start = skipSpace(text, 0);
  if (start >= last) return [];

  const chunks: Chunk[] = [];
  const push = (s: number, e: number): void => {
    if (chunks.length === maxChunks) {
      const name =
        options.documentId === undefined ? 'The document' : `Document ${quote(options.documentId)}`;
      throw new ProximaError(
        'payload_too_large',
        `${name} makes more than ${maxChunks} chunks; split it into smaller documents.`,
      );
    }
    chunks.push({ index: chunks.length, text: text.slice(s, e), start: s, end: e });
  };

  let prevEnd = -1;
  for (;;) {
    if (last - start <= max) {
      push(start, last);
      return chunks;
    }
    // At least half a target long, longer than the overlap, and past the previous chunk's end.
    const minLen = Math.max(Math.ceil(target / 2), overlap + 1, prevEnd - start + 1);
    let end = chooseCut(text, start, minLen, target, max);
    while (isSpace(text.charCodeAt(end - 1))) end--;
    if (end <= prevEnd) {
      // Only a run of whitespace longer than the window gets here: restart after it, no overlap.
      start = skipSpace(text, prevEnd);
      prevEnd = -1;
      continue;
    }
    push(start, end);
    prevEnd = end;
    start = overlapStart(text, start, end, target, overlap);
  }
}

function checkOptions(target: number, overlap: number, max: number): void {
  const ok =
    Number.isSafeInteger(target) &&
    Number.isSafeInteger(overlap) &&
    Number.isSafeInteger(max) &&
    overlap >= 0 &&
    overlap < target &&
    target <= max;
  if (!ok) {
    throw new RangeError(
      `chunk options need integers 0 <= overlapChars < targetChars <= maxChars, got ${overlap}, ${target}, ${max}`,
    );
  }
}

/**
 * End (exclusive) of the chunk starting at `start`: the best kind of cut in
 * [start + minLen, start + max], the one nearest start + target within a kind; else a hard cut.
 */
function chooseCut(
  text: string,
  start: number,
  minLen: number,
  target: number,
  max: number,
): number {
  const best = new Array<number>(KINDS).fill(-1);
  const want = start + target;
  const hi = Math.min(start + max, text.length);
  for (let c = start + minLen; c <= hi; c++) {
    if (isSpace(text.charCodeAt(c - 1))) continue;
    const kind = cutKind(text, c);
    if (kind < 0) continue;
    const prev = best[kind]!;
    if (prev < 0 || Math.abs(c - want) < Math.abs(prev - want)) best[kind] = c;
  }
  for (const c of best) if (c >= 0) return c;
  const hard = start + max;
  return isLowSurrogate(text.charCodeAt(hard)) && isHighSurrogate(text.charCodeAt(hard - 1))
    ? hard - 1
    : hard;
}

/** What kind of cut lies between text[c - 1] (not whitespace) and text[c]; -1 for none. */
function cutKind(text: string, c: number): number {
  if (c >= text.length) return PARAGRAPH;
  const next = text.charCodeAt(c);
  if (isSpace(next)) {
    let q = c;
    while (q < text.length && isSpace(text.charCodeAt(q)) && text[q] !== '\n') q++;
    if (text[q] === '\n') {
      q++;
      while (q < text.length && isSpace(text.charCodeAt(q)) && text[q] !== '\n') q++;
      return text[q] === '\n' ? PARAGRAPH : endsSentence(text, c) ? SENTENCE : LINE;
    }
    return endsSentence(text, c) ? SENTENCE : SPACE;
  }
  // CJK full stops end a sentence without a following space.
  return FULL_STOPS.has(text[c - 1]!) ? SENTENCE : -1;
}

const TERMINALS = new Set(['.', '!', '?', '…', '。', '！', '？']);
const FULL_STOPS = new Set(['。', '！', '？']);
const CLOSERS = new Set(['"', "'", ')', ']', '”', '’', '»', '」', '』']);

/** True when text[..c) ends with a sentence terminal, perhaps followed by closing quotes. */
function endsSentence(text: string, c: number): boolean {
  let p = c - 1;
  while (p > 0 && CLOSERS.has(text[p]!)) p--;
  return TERMINALS.has(text[p]!);
}

/**
 * Where the chunk after [start, end) begins: the last word start at or before end - overlap, so
 * that at least `overlap` characters repeat. It looks back at most half the room the overlap leaves
 * in a target; with no word start there (one long token), it cuts the word.
 */
function overlapStart(
  text: string,
  start: number,
  end: number,
  target: number,
  overlap: number,
): number {
  if (overlap === 0) return skipSpace(text, end);
  const from = end - overlap;
  const floor = Math.max(start + 1, from - Math.floor((target - overlap) / 2));
  for (let s = from; s >= floor; s--) {
    if (!isSpace(text.charCodeAt(s)) && isSpace(text.charCodeAt(s - 1))) return s;
  }
  // Always past `start` (so chunks advance), on a non-space, and not inside a surrogate pair.
  let s = Math.max(from, start + 1);
  while (s > start + 1 && isSpace(text.charCodeAt(s))) s--;
  if (isSpace(text.charCodeAt(s))) return skipSpace(text, s);
  if (isLowSurrogate(text.charCodeAt(s)) && isHighSurrogate(text.charCodeAt(s - 1))) {
    s = s - 1 > start ? s - 1 : skipSpace(text, s + 1);
  }
  return s;
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Exactly the characters of JavaScript's \s. */
function isSpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    c === 32 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;
