import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ToolCallDelta } from './answer.ts';
import { ToolCallFragments, type ToolCallFragment } from './tool-call-fragments.ts';

const SEED = 20_260_513;
const noId = (index: number) => `made_${index}`;

/** Every call completed, in order, over a run of chunks; throws on a problem. */
function gather(chunks: readonly (readonly ToolCallFragment[])[]): ToolCallDelta[][] {
  const fragments = new ToolCallFragments(noId);
  const out: ToolCallDelta[][] = [];
  for (const chunk of chunks) {
    const done = fragments.add(chunk);
    if (!done.ok) throw new Error(done.problem);
    out.push([...done.calls]);
  }
  const rest = fragments.finish();
  if (!rest.ok) throw new Error(rest.problem);
  out.push([...rest.calls]);
  return out;
}

/** Cuts `text` at the given points (fractions of its length). */
function cut(text: string, points: readonly number[]): string[] {
  const at = [...new Set(points.map((p) => Math.floor(p * text.length)))].sort((a, b) => a - b);
  return [0, ...at, text.length].slice(1).map((end, i, ends) => text.slice(ends[i - 1] ?? 0, end));
}

describe('ToolCallFragments', () => {
  it('hands on each call whole: the first when the second starts, the last at the end', () => {
    const out = gather([
      [{ index: 0, id: 'a', name: 'get_weather', arguments: '' }],
      [{ index: 0, arguments: '{"ci' }],
      [{ index: 0, arguments: 'ty":"Paris"}' }],
      [{ index: 1, id: 'b', name: 'get_time', arguments: '{}' }],
      [],
    ]);
    expect(out).toEqual([
      [],
      [],
      [],
      [{ index: 0, id: 'a', name: 'get_weather', arguments: '{"city":"Paris"}' }],
      [],
      [{ index: 1, id: 'b', name: 'get_time', arguments: '{}' }],
    ]);
  });

  it('follows calls sent without an index by their ids, and gives ids to calls without one', () => {
    const out = gather([
      [{ id: 'a', name: 'f', arguments: '{"x":' }],
      [{ arguments: '1}' }],
      [{ id: 'b', name: 'g', arguments: '{}' }],
      [{ index: 5, name: 'h' }],
    ]);
    expect(out).toEqual([
      [],
      [],
      [{ index: 0, id: 'a', name: 'f', arguments: '{"x":1}' }],
      [{ index: 1, id: 'b', name: 'g', arguments: '{}' }],
      // No id: one is made; no arguments: '{}', the JSON text a client must send back.
      [{ index: 5, id: 'made_5', name: 'h', arguments: '{}' }],
    ]);
  });

  it('merges as the official clients do: a repeated id or name replaces, arguments append', () => {
    const [call] = gather([
      [{ index: 0, id: 'a', name: 'f', arguments: '{' }],
      [{ index: 0, id: 'a', name: 'f', arguments: '}' }],
    ]).flat();
    expect(call).toEqual({ index: 0, id: 'a', name: 'f', arguments: '{}' });
  });

  it('names what is wrong: a call with no name, a call continued after the next began', () => {
    expect(() => gather([[{ index: 0, arguments: '{}' }]])).toThrow(/tool call 0 has no name/);
    expect(() =>
      gather([
        [{ index: 0, id: 'a', name: 'f' }],
        [{ index: 1, id: 'b', name: 'g' }],
        [{ index: 0, arguments: '{}' }],
      ]),
    ).toThrow(/tool call 0 continued after the next one began/);
    const fragments = new ToolCallFragments(noId);
    expect(fragments.pending).toBe(false);
    fragments.add([{ index: 0, name: 'f' }]);
    expect(fragments.pending).toBe(true);
  });

  it('puts any cutting of any calls back together, each call once and whole', () => {
    const call = fc.record({
      id: fc.stringMatching(/^call_[a-z0-9]{1,8}$/),
      name: fc.stringMatching(/^[A-Za-z0-9_-]{1,16}$/),
      arguments: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
      /** How many of its fragments share a chunk with the one before. */
      together: fc.nat(3),
    });
    fc.assert(
      fc.property(fc.array(call, { maxLength: 5 }), (calls) => {
        const chunks: ToolCallFragment[][] = [];
        calls.forEach((c, index) => {
          const pieces = cut(c.arguments, c.cuts);
          const fragments: ToolCallFragment[] = [
            { index, id: c.id, name: c.name, arguments: '' },
            ...pieces.map((p) => ({ index, arguments: p })),
          ];
          fragments.forEach((f, i) => {
            if (i > 0 && i <= c.together && chunks.length > 0) chunks.at(-1)!.push(f);
            else chunks.push([f]);
          });
        });
        const out = gather(chunks).flat();
        expect(out).toEqual(
          calls.map((c, index) => ({ index, id: c.id, name: c.name, arguments: c.arguments })),
        );
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
