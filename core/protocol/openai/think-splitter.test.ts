import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitThink, ThinkSplitter, type SplitDelta } from './think-splitter.ts';

/** Streams `chunks` through one splitter and joins what it released. */
function streamed(chunks: readonly string[], startInside = false): SplitDelta {
  const splitter = new ThinkSplitter({ startInside });
  let text = '';
  let reasoning = '';
  for (const d of [...chunks.map((c) => splitter.push(c)), splitter.end()]) {
    text += d.text;
    reasoning += d.reasoning;
  }
  return { text, reasoning };
}

/** Cuts `s` at the given positions (sorted, deduplicated, within bounds). */
function cut(s: string, at: readonly number[]): string[] {
  const points = [...new Set(at.map((p) => p % (s.length + 1)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let from = 0;
  for (const p of points) {
    parts.push(s.slice(from, p));
    from = p;
  }
  parts.push(s.slice(from));
  return parts;
}

describe('ThinkSplitter', () => {
  it('separates a leading think section from the answer, dropping the blank line after tags', () => {
    expect(splitThink('<think>\nLet me see.\n</think>\n\nIt is 4.')).toEqual({
      reasoning: 'Let me see.\n',
      text: 'It is 4.',
    });
  });

  it('keeps text before and after, and several sections', () => {
    expect(splitThink('A <think>x</think>B<think>y</think> C')).toEqual({
      text: 'A BC',
      reasoning: 'xy',
    });
  });

  it('treats an unclosed section as reasoning to the end, and a stray close tag as text', () => {
    expect(splitThink('<think>still thinking')).toEqual({ text: '', reasoning: 'still thinking' });
    expect(splitThink('a </think> b')).toEqual({ text: 'a </think> b', reasoning: '' });
    expect(splitThink('<think>a <think> b</think>c')).toEqual({
      text: 'c',
      reasoning: 'a <think> b',
    });
  });

  it('starts inside when the prompt opened the section', () => {
    expect(splitThink('plan\n</think>\nanswer', { startInside: true })).toEqual({
      text: 'answer',
      reasoning: 'plan\n',
    });
  });

  it('holds back a partial tag until it is decided, and releases it at the end', () => {
    const s = new ThinkSplitter();
    expect(s.push('Hi <thi')).toEqual({ text: 'Hi ', reasoning: '' });
    expect(s.thinking).toBe(false);
    expect(s.push('nk>deep')).toEqual({ text: '', reasoning: 'deep' });
    expect(s.thinking).toBe(true);
    expect(s.push(' </thin')).toEqual({ text: '', reasoning: ' ' });
    expect(s.end()).toEqual({ text: '', reasoning: '</thin' });
    const t = new ThinkSplitter();
    expect(t.push('a <th')).toEqual({ text: 'a ', reasoning: '' });
    expect(t.push('e end')).toEqual({ text: '<the end', reasoning: '' });
  });

  it('gives the same result for any cut of the stream (property)', () => {
    // Built from tag fragments so tags, partial tags and whitespace after them are common.
    const piece = fc.constantFrom(
      '<think>',
      '</think>',
      '<thi',
      '</',
      '<',
      '>',
      'nk>',
      ' ',
      '\n',
      'a',
      'é',
      '😀',
      'think',
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.boolean(),
        (pieces, at, startInside) => {
          const whole = pieces.join('');
          const once = splitThink(whole, { startInside });
          expect(streamed(cut(whole, at), startInside)).toEqual(once);
          // Character by character too: the finest cut there is.
          expect(streamed([...whole], startInside)).toEqual(once);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('loses nothing but the tags and the whitespace right after them (property)', () => {
    // The body cannot spell a tag (no letters of "think"), so it is all reasoning.
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', '<', '>', '/') }),
        (body) => {
          expect(splitThink(`pre<think>${body}</think>post`)).toEqual({
            text: 'prepost',
            reasoning: body.replace(/^\s+/, ''),
          });
        },
      ),
    );
  });
});
