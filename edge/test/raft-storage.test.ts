import { env, evictDurableObject, runInDurableObject } from 'cloudflare:test';
import {
  MemoryStorage,
  RaftErrorCode,
  SeededRand,
  isRaftError,
  type ConfState,
  type Entry,
  type PersistentStorage,
  type Snapshot,
} from '@proxima/core/raft';
import { aroundEach, describe, expect, it, vi } from 'vitest';
import { runStorageContract } from '../../core/raft/storage.case.ts';
import type { Env } from '../src/env.ts';
import {
  MAX_BOUND_PARAMS,
  MAX_SQL_CHARS,
  chunked,
  rowsPerInsert,
} from '../src/raft/storage/batch.ts';
import { RAFT_SCHEMA_VERSION, migrateRaftStorage } from '../src/raft/storage/schema.ts';
import { SNAPSHOT_CHUNK_BYTES } from '../src/raft/storage/snapshot-rows.ts';
import { SqlRaftStorage } from '../src/raft/storage/sql-storage.ts';
import { unique } from './helpers.ts';

const testEnv = env as Env;

/**
 * A Durable Object's storage works only inside that object's I/O context ("Cannot perform I/O on
 * behalf of a different Durable Object"), and the contract's tests are synchronous. So each test
 * of a suite that calls this runs inside runInDurableObject on a fresh Limiter (any SQLite class
 * will do: our tables all start with raft_), and takes that object's storage once.
 */
let fresh: DurableObjectStorage | null = null;

function runInFreshObject(): void {
  aroundEach(async (runTest) => {
    const stub = testEnv.LIMITER.get(testEnv.LIMITER.idFromName(unique('raft-storage')));
    await runInDurableObject(stub, async (_instance, state) => {
      fresh = state.storage;
      try {
        await runTest();
      } finally {
        fresh = null;
      }
    });
  });
}

function takeStorage(): DurableObjectStorage {
  const storage = fresh;
  if (storage === null) throw new Error('one fresh Durable Object storage per test');
  fresh = null;
  return storage;
}

const ent = (index: number, term: number, data: number[] = [], type: Entry['type'] = 'normal') => ({
  index,
  term,
  type,
  data: new Uint8Array(data),
});

const range = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, k) => ent(from + k, term, [from + k, k]));

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Everything a storage can be asked, for comparing two of them. */
function view(s: PersistentStorage) {
  const first = s.firstIndex();
  const last = s.lastIndex();
  const terms: number[] = [];
  for (let i = first - 1; i <= last; i++) terms.push(s.term(i));
  return {
    initial: s.initialState(),
    first,
    last,
    terms,
    entries: last >= first ? s.entries(first, last + 1, Infinity) : [],
    snapshot: s.snapshot(),
  };
}

function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (isRaftError(e)) return e.code;
    throw e;
  }
}

function tableCount(storage: DurableObjectStorage, table: string): number {
  return Number(storage.sql.exec(`SELECT COUNT(*) AS n FROM ${table}`).one()['n']);
}

/** A log with a compaction, a snapshot, conf entries and payloads. */
function fill(s: PersistentStorage): void {
  s.append([ent(1, 1, [1], 'conf'), ent(2, 1, [2], 'conf'), ...range(3, 40, 2)]);
  s.setHardState({ term: 2, vote: 1, commit: 30 });
  s.createSnapshot(25, { voters: [1, 2], learners: [3] }, new Uint8Array([7, 7, 7]));
  s.compact(20);
  s.append([ent(38, 3, [38]), ent(39, 3, [39, 39])]);
}

describe('SqlRaftStorage in a Durable Object', () => {
  runInFreshObject();

  runStorageContract('SqlRaftStorage (Durable Object SQLite)', () => {
    return new SqlRaftStorage(takeStorage());
  });

  it('reads everything back in a new instance over the same storage (restart)', () => {
    const storage = takeStorage();
    const s = new SqlRaftStorage(storage);
    fill(s);
    const restarted = new SqlRaftStorage(storage);
    expect(view(restarted)).toEqual(view(s));
    expect(restarted.firstIndex()).toBe(21);
    expect(restarted.lastIndex()).toBe(39);
    expect(restarted.term(20)).toBe(2);
    expect(restarted.entries(38, 40, Infinity)).toEqual([ent(38, 3, [38]), ent(39, 3, [39, 39])]);
    expect(restarted.initialState()).toEqual({
      hardState: { term: 2, vote: 1, commit: 30 },
      confState: { voters: [1, 2], learners: [3] },
    });
    expect(restarted.snapshot().meta).toEqual({
      index: 25,
      term: 2,
      confState: { voters: [1, 2], learners: [3] },
    });
  });

  it('keeps the initial conf state of empty storage, and stored state over a new one', () => {
    const storage = takeStorage();
    const s = new SqlRaftStorage(storage, { voters: [1, 2, 3], learners: [] });
    expect(s.initialState().confState).toEqual({ voters: [1, 2, 3], learners: [] });
    expect(s.snapshot().meta.confState).toEqual({ voters: [1, 2, 3], learners: [] });
    const again = new SqlRaftStorage(storage, { voters: [9], learners: [] });
    expect(again.initialState().confState).toEqual({ voters: [1, 2, 3], learners: [] });
  });

  it('round-trips a 5 MB snapshot through chunks of at most 1 MiB', () => {
    const storage = takeStorage();
    const s = new SqlRaftStorage(storage);
    const data = bytes(5_000_000, 42);
    const cs: ConfState = { voters: [1, 2, 3], learners: [] };
    s.applySnapshot({ meta: { index: 100, term: 7, confState: cs }, data });
    expect(tableCount(storage, 'raft_snapshot_chunk')).toBe(Math.ceil(5_000_000 / (1 << 20)));
    const biggest = storage.sql
      .exec('SELECT MAX(length(data)) AS n FROM raft_snapshot_chunk')
      .one()['n'];
    expect(biggest).toBe(SNAPSHOT_CHUNK_BYTES);
    const back = new SqlRaftStorage(storage).snapshot();
    expect(back.meta).toEqual({ index: 100, term: 7, confState: cs });
    expect(sameBytes(back.data, data)).toBe(true);

    // A later, smaller snapshot replaces every chunk of the old one.
    s.append(range(101, 110, 7));
    s.createSnapshot(105, cs, bytes(1_500_000, 7));
    expect(tableCount(storage, 'raft_snapshot_chunk')).toBe(2);
    const later = new SqlRaftStorage(storage).snapshot();
    expect(later.meta.index).toBe(105);
    expect(sameBytes(later.data, bytes(1_500_000, 7))).toBe(true);
  });

  it('appends 1,000 entries in one call within the statement limits', () => {
    const storage = takeStorage();
    const sql = storage.sql;
    const exec = vi.spyOn(sql, 'exec');
    try {
      const s = new SqlRaftStorage(storage);
      exec.mockClear();
      const es = Array.from({ length: 1000 }, (_, k) => ent(k + 1, 1, Array.from(bytes(50, k))));
      s.append(es);
      const calls = exec.mock.calls;
      for (const [query, ...params] of calls) {
        expect(params.length).toBeLessThanOrEqual(MAX_BOUND_PARAMS);
        expect(query.length).toBeLessThanOrEqual(MAX_SQL_CHARS);
      }
      const inserts = calls.filter(([query]) => query.startsWith('INSERT INTO raft_log'));
      expect(inserts).toHaveLength(
        Math.ceil(1000 / rowsPerInsert('raft_log', ['a', 'b', 'c', 'd'])),
      );
      expect(new SqlRaftStorage(storage).entries(1, 1001, Infinity)).toEqual(es);
    } finally {
      exec.mockRestore();
    }
  });

  it('reads entries by size from SQL, at least one', () => {
    const s = new SqlRaftStorage(takeStorage());
    s.append([ent(1, 1, new Array<number>(100).fill(1)), ...range(2, 5, 1)]);
    expect(s.entries(1, 6, 0).map((e) => e.index)).toEqual([1]);
    expect(s.entries(1, 6, 116 + 18 * 2).map((e) => e.index)).toEqual([1, 2, 3]);
    expect(s.entries(2, 6, 0)[0]).toEqual(ent(2, 1, [2, 0]));
    expect(s.entries(3, 3, Infinity)).toEqual([]);
  });

  it('persists a Ready (snapshot, entries, hard state) in one transaction', () => {
    const storage = takeStorage();
    const s = new SqlRaftStorage(storage);
    s.append(range(1, 5, 1));
    const snapshot: Snapshot = {
      meta: { index: 10, term: 3, confState: { voters: [1, 2, 3], learners: [] } },
      data: new Uint8Array([4, 2]),
    };
    s.persist({ hardState: { term: 3, vote: 2, commit: 10 }, entries: range(11, 13, 3), snapshot });
    const restarted = new SqlRaftStorage(storage);
    expect(view(restarted)).toEqual(view(s));
    expect(restarted.firstIndex()).toBe(11);
    expect(restarted.lastIndex()).toBe(13);
    expect(restarted.initialState().hardState).toEqual({ term: 3, vote: 2, commit: 10 });
    expect(restarted.snapshot()).toEqual(snapshot);
    s.persist({ hardState: null, entries: [], snapshot: null });
    expect(view(new SqlRaftStorage(storage))).toEqual(view(s));
  });

  it('leaves the previous state intact when a Ready fails mid-transaction', () => {
    const storage = takeStorage();
    const s = new SqlRaftStorage(storage);
    fill(s);
    const before = view(s);
    const snapshot: Snapshot = {
      meta: { index: 50, term: 4, confState: { voters: [1], learners: [] } },
      data: bytes(1_200_000, 3),
    };
    // The hard state is written last: the snapshot and entries are already in SQL when it throws.
    expect(() =>
      s.persist({
        hardState: { term: 4, vote: -1, commit: 50 },
        entries: range(51, 80, 4),
        snapshot,
      }),
    ).toThrow(/vote must be a non-negative integer/);
    expect(view(s)).toEqual(before);
    expect(view(new SqlRaftStorage(storage))).toEqual(before);

    // An invalid entry after the snapshot was written.
    const bogus = { ...ent(53, 4), type: 'bogus' } as unknown as Entry;
    expect(() =>
      s.persist({
        hardState: { term: 4, vote: 1, commit: 50 },
        entries: [ent(51, 4), ent(52, 4), bogus],
        snapshot,
      }),
    ).toThrow(/unknown entry type "bogus"/);
    expect(view(s)).toEqual(before);
    expect(view(new SqlRaftStorage(storage))).toEqual(before);

    // A gap after the snapshot: Unavailable, as MemoryStorage says it, and nothing stored.
    let thrown: unknown = null;
    try {
      s.persist({ hardState: null, entries: [ent(52, 4)], snapshot });
    } catch (e) {
      thrown = e;
    }
    expect(isRaftError(thrown, RaftErrorCode.Unavailable)).toBe(true);
    expect(view(new SqlRaftStorage(storage))).toEqual(before);
    expect(tableCount(storage, 'raft_snapshot_chunk')).toBe(1);
  });

  it('rejects non-consecutive and oversize entries without storing any of them', () => {
    const storage = takeStorage();
    const s = new SqlRaftStorage(storage);
    s.append(range(1, 3, 1));
    const before = view(s);
    expect(() => s.append([ent(4, 1), ent(6, 1)])).toThrow(/entry 6 follows 4/);
    expect(() => s.append([ent(4, 1), { ...ent(5, 1), data: new Uint8Array(2_000_000) }])).toThrow(
      /over the row limit/,
    );
    expect(() => s.setHardState({ term: 1.5, vote: 0, commit: 0 })).toThrow(/term/);
    expect(view(s)).toEqual(before);
    expect(view(new SqlRaftStorage(storage))).toEqual(before);
  });

  it('behaves as MemoryStorage over 400 random operations and restarts', () => {
    const storage = takeStorage();
    const rand = new SeededRand(2026);
    const mem = new MemoryStorage();
    let sql = new SqlRaftStorage(storage);
    let term = 1;
    const pick = (lo: number, hi: number): number => lo + rand.intn(hi - lo + 1);
    const conf = (): ConfState => ({ voters: [1 + rand.intn(3)], learners: [] });
    for (let step = 0; step < 400; step++) {
      const first = mem.firstIndex();
      const last = mem.lastIndex();
      const op = rand.intn(12);
      let run: (s: PersistentStorage) => unknown;
      if (op < 6) {
        const start = Math.max(1, pick(first - 3, last + 2));
        if (rand.chance(0.3)) term++;
        const es = Array.from({ length: rand.intn(6) }, (_, k) =>
          ent(
            start + k,
            term,
            Array.from(bytes(rand.intn(30), step + k)),
            rand.chance(0.1) ? 'conf' : 'normal',
          ),
        );
        run = (s) => s.append(es);
      } else if (op < 8) {
        const i = pick(first - 2, last + 1);
        run = (s) => s.compact(i);
      } else if (op < 9) {
        const i = pick(first - 2, last + 1);
        const cs = conf();
        const data = bytes(rand.intn(20), step);
        run = (s) => s.createSnapshot(i, cs, data);
      } else if (op < 10) {
        const snap: Snapshot = {
          meta: { index: pick(mem.snapshot().meta.index - 1, last + 5), term, confState: conf() },
          data: bytes(rand.intn(20), step),
        };
        run = (s) => s.applySnapshot(snap);
      } else if (op < 11) {
        const hs = { term, vote: rand.intn(4), commit: pick(0, last) };
        run = (s) => s.setHardState(hs);
      } else {
        sql = new SqlRaftStorage(storage);
        run = () => undefined;
      }
      const expected = outcome(() => run(mem));
      expect(
        outcome(() => run(sql)),
        `step ${step}`,
      ).toBe(expected);
      expect(view(sql), `step ${step}`).toEqual(view(mem));
    }
    expect(view(new SqlRaftStorage(storage))).toEqual(view(mem));
  });

  it('sets up its schema twice harmlessly and records the version', () => {
    const storage = takeStorage();
    const s = new SqlRaftStorage(storage);
    s.append(range(1, 3, 1));
    expect(migrateRaftStorage(storage)).toBe(RAFT_SCHEMA_VERSION);
    expect(migrateRaftStorage(storage)).toBe(RAFT_SCHEMA_VERSION);
    const again = new SqlRaftStorage(storage);
    expect(view(again)).toEqual(view(s));
    const versions = storage.sql.exec('SELECT version FROM raft_schema_version').toArray();
    expect(versions).toEqual([{ version: RAFT_SCHEMA_VERSION }]);
    expect(RAFT_SCHEMA_VERSION).toBe(1);
    const tables = storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'raft%'",
      )
      .toArray()
      .map((r) => r.name)
      .sort();
    expect(tables).toEqual([
      'raft_log',
      'raft_schema_version',
      'raft_snapshot_chunk',
      'raft_snapshot_meta',
      'raft_state',
    ]);
    // The host object's own tables are untouched (the Limiter's schema_version, scopes, ...).
    expect(storage.sql.exec('SELECT MAX(version) AS v FROM schema_version').one()['v']).toBe(1);
  });
});

describe('SqlRaftStorage across an eviction of its Durable Object', () => {
  it('a new object instance reads back the log, hard state and snapshot', async () => {
    const stub = testEnv.LIMITER.get(testEnv.LIMITER.idFromName(unique('raft-evict')));
    const before = await runInDurableObject(stub, (_instance, state) => {
      const s = new SqlRaftStorage(state.storage);
      fill(s);
      return view(s);
    });
    await evictDurableObject(stub);
    const after = await runInDurableObject(stub, (_instance, state) =>
      view(new SqlRaftStorage(state.storage)),
    );
    expect(after).toEqual(before);
    expect(after.last).toBe(39);
  });
});

describe('statement batches', () => {
  it('fits 25 log rows of 4 values in one statement, never more than 100 parameters', () => {
    expect(rowsPerInsert('raft_log', ['idx', 'term', 'type', 'data'])).toBe(25);
    expect(rowsPerInsert('t', ['a'])).toBe(100);
    expect(
      rowsPerInsert(
        't',
        Array.from({ length: 100 }, (_, i) => `c${i}`),
      ),
    ).toBe(1);
    expect(() =>
      rowsPerInsert(
        't',
        Array.from({ length: 101 }, (_, i) => `c${i}`),
      ),
    ).toThrow();
  });

  it('chunks in order, the last chunk short', () => {
    expect(chunked([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunked([], 24)).toEqual([]);
    expect(() => chunked([1], 0)).toThrow();
  });
});
