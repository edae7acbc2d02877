// A Bicep lexer just deep enough for text checks: it finds comments and string literals (with
// their `${...}` interpolations) so identifiers can be read from code alone.

export interface StringLiteral {
  /** Offset of the opening quote in the source. */
  readonly start: number;
  /** Offset just past the closing quote. */
  readonly end: number;
  /** The source between the quotes, interpolations included as written. */
  readonly body: string;
  readonly multiline: boolean;
}

export interface Scanned {
  /** The source with comments and string contents blanked (interpolations kept); offsets and lines unchanged. */
  readonly code: string;
  /** The source with only comments blanked. */
  readonly uncommented: string;
  readonly strings: readonly StringLiteral[];
}

export function scan(source: string): Scanned {
  const code = [...source];
  const uncommented = [...source];
  const strings: StringLiteral[] = [];
  const blank = (chars: string[], from: number, to: number): void => {
    for (let i = from; i < to; i++) if (chars[i] !== '\n') chars[i] = ' ';
  };

  // Returns the offset of the `}` that closes an interpolation (or the end of the source).
  const scanCode = (from: number, inInterpolation: boolean): number => {
    let depth = 0;
    let i = from;
    while (i < source.length) {
      if (source.startsWith('//', i)) {
        const end = source.indexOf('\n', i);
        const stop = end === -1 ? source.length : end;
        blank(code, i, stop);
        blank(uncommented, i, stop);
        i = stop;
      } else if (source.startsWith('/*', i)) {
        const end = source.indexOf('*/', i + 2);
        const stop = end === -1 ? source.length : end + 2;
        blank(code, i, stop);
        blank(uncommented, i, stop);
        i = stop;
      } else if (source.startsWith("'''", i)) {
        const end = source.indexOf("'''", i + 3);
        const stop = end === -1 ? source.length : end + 3;
        strings.push({ start: i, end: stop, body: source.slice(i + 3, stop - 3), multiline: true });
        blank(code, i + 3, stop - 3);
        i = stop;
      } else if (source[i] === "'") {
        i = scanString(i);
      } else if (source[i] === '{') {
        depth++;
        i++;
      } else if (source[i] === '}') {
        if (inInterpolation && depth === 0) return i;
        depth--;
        i++;
      } else i++;
    }
    return i;
  };

  const scanString = (start: number): number => {
    let i = start + 1;
    while (i < source.length && source[i] !== "'" && source[i] !== '\n') {
      if (source[i] === '\\') {
        blank(code, i, i + 2);
        i += 2;
      } else if (source.startsWith('${', i)) {
        blank(code, i, i + 2);
        const close = scanCode(i + 2, true);
        blank(code, close, close + 1);
        i = close + 1;
      } else {
        blank(code, i, i + 1);
        i++;
      }
    }
    strings.push({ start, end: i + 1, body: source.slice(start + 1, i), multiline: false });
    return i + 1;
  };

  scanCode(0, false);
  strings.sort((a, b) => a.start - b.start);
  return { code: code.join(''), uncommented: uncommented.join(''), strings };
}

/** 1-based line of an offset. */
export function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < source.length; i++) if (source[i] === '\n') line++;
  return line;
}
