import { describe, expect, it } from 'vitest';
import { committedIndex, voteResult } from './majority.ts';

describe('majority quorum', () => {
  it('commits the index a majority holds', () => {
    const m = new Map([
      [1, 5],
      [2, 3],
      [3, 9],
    ]);
    expect(committedIndex(new Set([1, 2, 3]), (id) => m.get(id))).toBe(5);
    expect(committedIndex(new Set([1, 2, 3, 4]), (id) => m.get(id))).toBe(3);
  });
  it('tallies votes: won, pending, lost', () => {
    const voters = new Set([1, 2, 3, 4, 5]);
    expect(
      voteResult(
        voters,
        new Map([
          [1, true],
          [2, true],
          [3, true],
        ]),
      ),
    ).toBe('won');
    expect(
      voteResult(
        voters,
        new Map([
          [1, true],
          [2, false],
        ]),
      ),
    ).toBe('pending');
    expect(
      voteResult(
        voters,
        new Map([
          [1, true],
          [2, false],
          [3, false],
          [4, false],
        ]),
      ),
    ).toBe('lost');
  });
});
