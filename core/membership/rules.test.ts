import { describe, expect, it } from 'vitest';
import { isLocationHint } from './location-hints.ts';
import { isPeerId, parsePeerId } from './peer-id.ts';
import { changePending, checkAdd, checkRemove, checkTransfer, type ProgressView } from './rules.ts';

const three = { voters: [1, 2, 3], learners: [] };
const five = { voters: [1, 2, 3, 4, 5], learners: [6] };
const replicating = (ids: number[]): ProgressView =>
  new Map(ids.map((id) => [id, { state: 'replicate', match: 10 }]));

describe('membership rules', () => {
  it('peer ids are integers from 1 to 64, written with digits only', () => {
    expect([1, 64].map(isPeerId)).toEqual([true, true]);
    expect([0, 65, 1.5, Number.NaN, '3', null].map(isPeerId)).toEqual(Array(6).fill(false));
    expect(['7', '064', '64'].map(parsePeerId)).toEqual([7, 64, 64]);
    expect(['', '0', '65', '-1', '1e1', ' 7', '0x7', '1000'].map(parsePeerId)).toEqual(
      Array(8).fill(null),
    );
  });

  it("location hints are Cloudflare's", () => {
    expect(['wnam', 'me', 'apac'].every(isLocationHint)).toBe(true);
    expect(['', 'WNAM', 'mars', 'apac-ne', 1].some(isLocationHint)).toBe(false);
  });

  it('an add refuses a voter and accepts a learner (a retried add promotes it)', () => {
    expect(checkAdd(three, 2)).toMatchObject({ reason: 'conflict', message: /already a voter/ });
    expect(checkAdd(five, 6)).toBeNull();
    expect(checkAdd(three, 4)).toBeNull();
  });

  it('a removal keeps the leader, the last voter and at least three voters', () => {
    const all = replicating([1, 2, 3, 4, 5, 6]);
    expect(checkRemove(three, 9, 1, all)).toMatchObject({ reason: 'not_member' });
    expect(checkRemove(three, 1, 1, all)).toMatchObject({ message: /is the leader; transfer/ });
    expect(checkRemove(three, 2, 1, all)).toMatchObject({ message: /would leave 2 voters/ });
    expect(checkRemove({ voters: [1], learners: [] }, 1, 1, all)).toMatchObject({
      message: /last voter/,
    });
    expect(checkRemove(five, 6, 1, new Map())).toBeNull(); // a learner can always go
    expect(checkRemove(five, 5, 1, all)).toBeNull();
  });

  it('a removal keeps a majority that is keeping up with the leader', () => {
    // Voters left: 1 (leader), 2, 3, 4; a majority is 3, but only 1 and 2 keep up.
    const lagging = new Map([
      [2, { state: 'replicate', match: 10 }],
      [3, { state: 'probe', match: 2 }],
    ]);
    expect(checkRemove(five, 5, 1, lagging)).toMatchObject({
      reason: 'conflict',
      message: /only 1, 2 keep up with the leader now \(not 3, 4\)/,
    });
    expect(checkRemove(five, 5, 1, replicating([2, 3]))).toBeNull();
  });

  it('a transfer goes to a voter only', () => {
    expect(checkTransfer(five, 4)).toBeNull();
    expect(checkTransfer(five, 6)).toMatchObject({ reason: 'conflict', message: /learner/ });
    expect(checkTransfer(five, 9)).toMatchObject({ reason: 'not_member' });
  });

  it('a change is pending while the newest configuration in the log is not applied', () => {
    expect(changePending(three, { voters: [1, 2, 3], learners: [] })).toBe(false);
    expect(changePending(three, { voters: [1, 2, 3], learners: [4] })).toBe(true);
    expect(changePending(three, { voters: [1, 2], learners: [] })).toBe(true);
  });
});
