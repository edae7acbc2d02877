import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LogprobEntry } from './answer.ts';
import { isWellFormedText } from '../limits.ts';
import { encodeUtf8 } from '../utf8.ts';
import {
  LegacyLogprobsWriter,
  textCompletionBody,
  textCompletionChunkBody,
  textCompletionUsageChunkBody,
  textFinishReason,
} from './completion-response.ts';

const who = { id: 'cmpl-1', created: 1700000000, model: 'm' };

function entry(token: string, logprob: number, top: Array<[string, number]> = []): LogprobEntry {
  return {
    token,
    logprob,
    bytes: [...encodeUtf8(token)],
    top: top.map(([t, l]) => ({ token: t, logprob: l, bytes: [...encodeUtf8(t)] })),
  };
}

/** Entries for the bytes of `text`, cut at the given byte positions (a cut may split a character). */
function entriesCutAt(text: string, cuts: number[]): LogprobEntry[] {
  const bytes = [...encodeUtf8(text)];
  const points = [...new Set([0, ...cuts.filter((c) => c > 0 && c < bytes.length), bytes.length])]
    .filter((c) => c <= bytes.length)
    .sort((a, b) => a - b);
  const out: LogprobEntry[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const slice = bytes.slice(points[i], points[i + 1]);
    out.push({ token: '?', logprob: -1, bytes: slice, top: [] });
  }
  return out;
}

/** Where each character of `text` starts, as a byte position → UTF-16 offset map. */
function charStarts(text: string): Map<number, number> {
  const starts = new Map<number, number>();
  let byte = 0;
  let unit = 0;
  for (const ch of text) {
    starts.set(byte, unit);
    byte += encodeUtf8(ch).length;
    unit += ch.length;
  }
  starts.set(byte, unit);
  return starts;
}

describe('LegacyLogprobsWriter', () => {
  it('writes parallel lists, the sampled token in its top map, offsets into the text', () => {
    const w = new LegacyLogprobsWriter(0);
    const out = w.write([
      entry('He', -0.1, [
        ['He', -0.1],
        ['She', -2],
      ]),
      entry('llo', -0.5, [['y', -1]]),
    ]);
    expect(out).toEqual({
      tokens: ['He', 'llo'],
      token_logprobs: [-0.1, -0.5],
      top_logprobs: [
        { He: -0.1, She: -2 },
        { y: -1, llo: -0.5 },
      ],
      text_offset: [0, 2],
    });
  });

  it('keeps offsets across the chunks of a stream and starts after an echoed prompt', () => {
    const w = new LegacyLogprobsWriter(5);
    expect(w.write([entry('ab', -1)]).text_offset).toEqual([5]);
    expect(w.write([entry('é', -1), entry('😀', -1), entry('x', -1)]).text_offset).toEqual([
      7, 8, 10,
    ]);
  });

  it("keeps '__proto__' and 'constructor' as ordinary tokens", () => {
    const out = new LegacyLogprobsWriter(0).write([entry('__proto__', -1, [['constructor', -2]])]);
    expect(JSON.stringify(out.top_logprobs[0])).toBe('{"constructor":-2,"__proto__":-1}');
    expect(Object.keys(out.top_logprobs[0] ?? {})).toEqual(['constructor', '__proto__']);
  });

  it('a token that starts inside a character is placed at that character (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 30 }).filter(isWellFormedText),
        fc.array(fc.nat(200), { maxLength: 40 }),
        (text, cuts) => {
          const entries = entriesCutAt(text, cuts);
          const out = new LegacyLogprobsWriter(0).write(entries);
          const starts = charStarts(text);
          let byte = 0;
          entries.forEach((e, i) => {
            // A character counts once complete: a token that completes it is placed at its start.
            let at = byte;
            while (!starts.has(at)) at--;
            expect(out.text_offset[i]).toBe(starts.get(at));
            byte += e.bytes.length;
          });
        },
      ),
    );
  });
});

describe('text_completion bodies', () => {
  const usage = { promptTokens: 3, completionTokens: 4 };

  it('a whole completion', () => {
    expect(textCompletionBody(who, 'hi', null, 'length', usage)).toEqual({
      id: 'cmpl-1',
      object: 'text_completion',
      created: 1700000000,
      model: 'm',
      choices: [{ text: 'hi', index: 0, logprobs: null, finish_reason: 'length' }],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
  });

  it('chunks and the usage chunk', () => {
    expect(textCompletionChunkBody(who, 'a', null, null).choices).toEqual([
      { text: 'a', index: 0, logprobs: null, finish_reason: null },
    ]);
    expect(textCompletionChunkBody(who, '', null, 'stop').choices[0]?.finish_reason).toBe('stop');
    const last = textCompletionUsageChunkBody(who, usage);
    expect(last.choices).toEqual([]);
    expect(last.usage.total_tokens).toBe(7);
    expect(last.object).toBe('text_completion');
  });

  it('finish reasons of this API', () => {
    expect(textFinishReason('length')).toBe('length');
    expect(textFinishReason('stop')).toBe('stop');
    expect(textFinishReason('tool_calls')).toBe('stop');
  });
});
