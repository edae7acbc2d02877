import { describe, expect, it } from 'vitest';
import { applyConfChange, decodeConfChange, encodeConfChange } from './confchange.ts';
import type { ConfState } from './types.ts';

describe('single-server conf changes', () => {
  it('round-trips through entry bytes', () => {
    for (const cc of [
      { type: 'addVoter', nodeId: 7 },
      { type: 'addLearner', nodeId: 2 ** 40 },
      { type: 'removeNode', nodeId: 1 },
    ] as const) {
      expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
    }
    expect(() => decodeConfChange(new Uint8Array([9]))).toThrow(/malformed/);
  });
  it('adds, promotes and removes one server at a time', () => {
    let cs: ConfState = { voters: [1, 2, 3], learners: [] };
    cs = applyConfChange(cs, { type: 'addLearner', nodeId: 4 });
    expect(cs).toEqual({ voters: [1, 2, 3], learners: [4] });
    cs = applyConfChange(cs, { type: 'addVoter', nodeId: 4 });
    expect(cs).toEqual({ voters: [1, 2, 3, 4], learners: [] });
    cs = applyConfChange(cs, { type: 'removeNode', nodeId: 2 });
    expect(cs).toEqual({ voters: [1, 3, 4], learners: [] });
  });
  it('refuses to demote a voter directly or to remove the last voter', () => {
    expect(() =>
      applyConfChange({ voters: [1, 2], learners: [] }, { type: 'addLearner', nodeId: 2 }),
    ).toThrow(/remove it first/);
    expect(() =>
      applyConfChange({ voters: [1], learners: [] }, { type: 'removeNode', nodeId: 1 }),
    ).toThrow(/last voter/);
  });
});
