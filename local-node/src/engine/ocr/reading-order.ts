/** Recognized pieces of text joined into lines, top to bottom and left to right. */
import type { OcrLine } from '../engine.ts';
import type { Rect } from './text-regions.ts';

export interface TextPiece {
  readonly rect: Rect;
  readonly text: string;
  readonly confidence: number;
  readonly characters: number;
}

/**
 * Pieces whose vertical extents overlap by at least half the shorter one's height share a line
 * (words the detector split apart); lines are ordered by their top, pieces in a line by their left.
 * Confidence is the mean over the line's characters; the box is the pieces' union.
 */
export function linesInReadingOrder(pieces: readonly TextPiece[]): OcrLine[] {
  const rows: TextPiece[][] = [];
  for (const piece of [...pieces].sort((a, b) => a.rect.top - b.rect.top)) {
    const row = rows.find((r) => r.some((other) => sameLine(piece.rect, other.rect)));
    if (row) row.push(piece);
    else rows.push([piece]);
  }
  return rows
    .map((row) => row.sort((a, b) => a.rect.left - b.rect.left))
    .sort((a, b) => top(a) - top(b))
    .map(lineOf);
}

function sameLine(a: Rect, b: Rect): boolean {
  const overlap = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  return overlap >= Math.min(a.bottom - a.top, b.bottom - b.top) / 2;
}

function top(row: readonly TextPiece[]): number {
  return Math.min(...row.map((p) => p.rect.top));
}

function lineOf(row: readonly TextPiece[]): OcrLine {
  const characters = row.reduce((n, p) => n + p.characters, 0);
  const weighted = row.reduce((sum, p) => sum + p.confidence * p.characters, 0);
  const left = Math.min(...row.map((p) => p.rect.left));
  const right = Math.max(...row.map((p) => p.rect.right));
  const bottom = Math.max(...row.map((p) => p.rect.bottom));
  const t = top(row);
  return {
    text: row.map((p) => p.text).join(' '),
    confidence: characters === 0 ? 0 : weighted / characters,
    box: [
      [left, t],
      [right, t],
      [right, bottom],
      [left, bottom],
    ],
  };
}
