// The Storage contract, shared by every implementation: memory here, Durable Object SQLite later.
// Usage: runStorageContract('memory', () => new MemoryStorage()).
import { describe, expect, it } from 'vitest';
import { RaftErrorCode, isRaftError } from './errors.ts';
import type { PersistentStorage } from './storage.ts';
import type { Entry } from './types.ts';

const ent = (index: number, term: number, size = 0): Entry => ({
  index,
  term,
  type: 'normal',
  data: new Uint8Array(size),
});

function expectCode(fn: () => unknown, code: RaftErrorCode): void {
  let thrown: unknown = null;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(isRaftError(thrown, code), `expected RaftError ${code}, got ${String(thrown)}`).toBe(true);
}

export function runStorageContract(name: string, make: () => PersistentStorage): void {
  describe(`Storage contract: ${name}`, () => {
    const withEntries = (): PersistentStorage => {
      const s = make();
      s.append([ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 3), ent(5, 3)]);
      return s;
    };

    it('starts empty: first index 1, last index 0, empty hard state', () => {
      const s = make();
      expect(s.firstIndex()).toBe(1);
      expect(s.lastIndex()).toBe(0);
      expect(s.term(0)).toBe(0);
      expect(s.initialState().hardState).toEqual({ term: 0, vote: 0, commit: 0 });
    });

    it('persists the hard state', () => {
      const s = make();
      s.setHardState({ term: 3, vote: 2, commit: 0 });
      expect(s.initialState().hardState).toEqual({ term: 3, vote: 2, commit: 0 });
    });

    it('returns terms and entries, and throws unavailable past the end', () => {
      const s = withEntries();
      expect(s.lastIndex()).toBe(5);
      expect(s.term(3)).toBe(2);
      expect(s.entries(2, 5, Infinity).map((e) => e.index)).toEqual([2, 3, 4]);
      expectCode(() => s.term(6), RaftErrorCode.Unavailable);
      expectCode(() => s.entries(4, 7, Infinity), RaftErrorCode.Unavailable);
    });

    it('limits entries by size but always returns at least one', () => {
      const s = make();
      s.append([ent(1, 1, 100), ent(2, 1, 100), ent(3, 1, 100)]);
      expect(s.entries(1, 4, 0)).toHaveLength(1);
      expect(s.entries(1, 4, 250)).toHaveLength(2);
      expect(s.entries(1, 4, Infinity)).toHaveLength(3);
    });

    it('append truncates a conflicting suffix', () => {
      const s = withEntries();
      s.append([ent(3, 4), ent(4, 4)]);
      expect(s.lastIndex()).toBe(4);
      expect(s.entries(1, 5, Infinity).map((e) => e.term)).toEqual([1, 1, 4, 4]);
    });

    it('rejects an append that would leave a gap', () => {
      const s = withEntries();
      expectCode(() => s.append([ent(7, 3)]), RaftErrorCode.Unavailable);
    });

    it('compacts: earlier entries become compacted, the compaction point keeps its term', () => {
      const s = withEntries();
      s.compact(3);
      expect(s.firstIndex()).toBe(4);
      expect(s.term(3)).toBe(2);
      expectCode(() => s.term(2), RaftErrorCode.Compacted);
      expectCode(() => s.entries(3, 5, Infinity), RaftErrorCode.Compacted);
      expect(s.entries(4, 6, Infinity).map((e) => e.index)).toEqual([4, 5]);
      expectCode(() => s.compact(2), RaftErrorCode.Compacted);
    });

    it('creates a snapshot at an applied index and refuses older ones', () => {
      const s = withEntries();
      const snap = s.createSnapshot(4, { voters: [1, 2, 3], learners: [] }, new Uint8Array([9]));
      expect(snap.meta).toEqual({
        index: 4,
        term: 3,
        confState: { voters: [1, 2, 3], learners: [] },
      });
      expect(s.snapshot().data).toEqual(new Uint8Array([9]));
      expectCode(
        () => s.createSnapshot(3, { voters: [1], learners: [] }, new Uint8Array()),
        RaftErrorCode.SnapOutOfDate,
      );
    });

    it('applying a snapshot replaces the log and sets the conf state', () => {
      const s = withEntries();
      const cs = { voters: [1, 2], learners: [3] };
      s.applySnapshot({
        meta: { index: 10, term: 4, confState: cs },
        data: new Uint8Array([1, 2]),
      });
      expect(s.firstIndex()).toBe(11);
      expect(s.lastIndex()).toBe(10);
      expect(s.term(10)).toBe(4);
      expect(s.initialState().confState).toEqual(cs);
      expectCode(
        () =>
          s.applySnapshot({ meta: { index: 9, term: 4, confState: cs }, data: new Uint8Array() }),
        RaftErrorCode.SnapOutOfDate,
      );
      s.append([ent(11, 4)]);
      expect(s.lastIndex()).toBe(11);
    });

    it('ignores appended entries that are already compacted', () => {
      const s = withEntries();
      s.compact(4);
      s.append([ent(3, 2), ent(4, 3), ent(5, 3), ent(6, 3)]);
      expect(s.firstIndex()).toBe(5);
      expect(s.lastIndex()).toBe(6);
    });
  });
}
