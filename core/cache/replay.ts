// A cached answer replayed as a stream: deltas cut after whitespace, at most maxChars UTF-16 units
// each, never between the two halves of a surrogate pair (each delta must encode to valid UTF-8).

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Pieces whose concatenation is exactly `text`; [] for the empty text. */
export function replayPieces(text: string, maxChars = 64): string[] {
  if (!Number.isInteger(maxChars) || maxChars < 2)
    throw new RangeError(`maxChars must be an integer ≥ 2, got ${maxChars}`);
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + maxChars, text.length);
    if (end < text.length) {
      // The last whitespace inside the window ends the piece; a word longer than the window is cut.
      let cut = end;
      while (cut > start && !/\s/u.test(text[cut - 1]!)) cut--;
      if (cut > start) end = cut;
      else if (isHigh(text.charCodeAt(end - 1)) && isLow(text.charCodeAt(end))) end--;
    }
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
