// The Raft core's PersistentStorage on a Durable Object's SQLite. SQLite is the truth; a mirror in
// memory (hard state, conf state, the log's terms and sizes, the snapshot's meta) serves the
// synchronous reads and is rebuilt from SQLite at construction, so a new instance over the same
// storage reads back everything. Every write is one transactionSync; if it throws, SQLite rolls
// back and the mirror is reloaded from it, so the two never disagree.
import { EMPTY_CONF_STATE, RaftError, RaftErrorCode } from '@proxima/core/raft';
import type {
  ConfState,
  Entry,
  HardState,
  InitialState,
  PersistentStorage,
  Snapshot,
} from '@proxima/core/raft';
import { insertRows } from './batch.ts';
import { checkUint, decodeConfState, decodeEntry, encodeEntry, encodeIds } from './codec.ts';
import type { LogRow } from './codec.ts';
import { LogMirror, unavailable } from './log-mirror.ts';
import { migrateRaftStorage, seedRaftStorage } from './schema.ts';
import { readSnapshotData, readSnapshotRow, writeSnapshotRows } from './snapshot-rows.ts';
import type { SnapshotRow } from './snapshot-rows.ts';

/** What a driver persists from one Ready, atomically, before any of its messages leave. */
export interface PersistBatch {
  readonly hardState: HardState | null;
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | null;
}

interface StateRow extends Record<string, SqlStorageValue> {
  term: number;
  vote: number;
  commit_index: number;
  voters: string;
  learners: string;
  log_offset: number;
  log_offset_term: number;
}

interface Mirror {
  hardState: HardState;
  confState: ConfState;
  log: LogMirror;
  snap: SnapshotRow;
}

const LOG_COLUMNS = ['idx', 'term', 'type', 'data'] as const;

export class SqlRaftStorage implements PersistentStorage {
  private readonly storage: DurableObjectStorage;
  private readonly sql: SqlStorage;
  private m: Mirror;
  /** The snapshot with its bytes, read on first use after a (re)load. */
  private snapCache: Snapshot | null = null;

  /**
   * Sets up the tables (safe on every construction) and loads the mirror. `confState` is the
   * initial configuration of empty storage, as MemoryStorage takes it; stored state wins.
   */
  constructor(storage: DurableObjectStorage, confState: ConfState = EMPTY_CONF_STATE) {
    this.storage = storage;
    this.sql = storage.sql;
    migrateRaftStorage(storage);
    seedRaftStorage(this.sql, confState);
    this.m = this.load();
  }

  initialState(): InitialState {
    return { hardState: this.m.hardState, confState: this.m.confState };
  }

  entries(lo: number, hi: number, maxSize: number): Entry[] {
    const n = this.m.log.count(lo, hi, maxSize);
    if (n === 0) return [];
    const rows = this.sql
      .exec<LogRow>(
        'SELECT idx, term, type, data FROM raft_log WHERE idx >= ? ORDER BY idx LIMIT ?',
        lo,
        n,
      )
      .toArray();
    if (rows.length !== n || rows[0]?.idx !== lo) {
      throw new Error(`SqlRaftStorage: log rows from ${lo} are missing`);
    }
    return rows.map(decodeEntry);
  }

  term(i: number): number {
    return this.m.log.term(i);
  }

  lastIndex(): number {
    return this.m.log.lastIndex();
  }

  firstIndex(): number {
    return this.m.log.firstIndex();
  }

  snapshot(): Snapshot {
    if (this.snapCache === null) {
      const row = this.m.snap;
      this.snapCache = {
        meta: { index: row.idx, term: row.term, confState: this.m.confState },
        data: readSnapshotData(this.sql, row),
      };
    }
    return this.snapCache;
  }

  setHardState(hs: HardState): void {
    this.transact(() => this.writeHardState(hs));
  }

  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    this.transact(() => this.writeEntries(entries));
  }

  applySnapshot(snap: Snapshot): void {
    this.transact(() => this.writeAppliedSnapshot(snap));
  }

  createSnapshot(i: number, cs: ConfState, data: Uint8Array): Snapshot {
    if (i <= this.m.snap.idx) {
      throw new RaftError(RaftErrorCode.SnapOutOfDate, `snapshot ${i} is old`);
    }
    if (i > this.lastIndex()) throw unavailable(i);
    const snap: Snapshot = { meta: { index: i, term: this.term(i), confState: cs }, data };
    this.transact(() => this.writeSnapshot(snap));
    return snap;
  }

  compact(compactIndex: number): void {
    const log = this.m.log;
    const term = log.compactTerm(compactIndex);
    this.transact(() => {
      this.sql.exec('DELETE FROM raft_log WHERE idx <= ?', compactIndex);
      this.sql.exec(
        'UPDATE raft_state SET log_offset = ?, log_offset_term = ? WHERE id = 0',
        compactIndex,
        term,
      );
      log.compact(compactIndex);
    });
  }

  /**
   * Persists one Ready in a single transaction: its snapshot, then its entries, then its hard
   * state. All of it is stored or, if anything throws, none of it.
   */
  persist(rd: PersistBatch): void {
    this.transact(() => {
      if (rd.snapshot) this.writeAppliedSnapshot(rd.snapshot);
      if (rd.entries.length > 0) this.writeEntries(rd.entries);
      if (rd.hardState) this.writeHardState(rd.hardState);
    });
  }

  // Writers: each checks, writes SQL, then updates the mirror; callers wrap them in transact.

  private writeHardState(hs: HardState): void {
    this.sql.exec(
      'UPDATE raft_state SET term = ?, vote = ?, commit_index = ? WHERE id = 0',
      checkUint('term', hs.term),
      checkUint('vote', hs.vote),
      checkUint('commit', hs.commit),
    );
    this.m.hardState = { term: hs.term, vote: hs.vote, commit: hs.commit };
  }

  private writeEntries(entries: readonly Entry[]): void {
    const es = this.m.log.toAppend(entries);
    const head = es[0];
    if (head === undefined) return;
    const rows = es.map(encodeEntry);
    this.sql.exec('DELETE FROM raft_log WHERE idx >= ?', head.index);
    insertRows(this.sql, 'raft_log', LOG_COLUMNS, rows);
    this.m.log.append(es);
  }

  private writeAppliedSnapshot(snap: Snapshot): void {
    const { index, term } = snap.meta;
    if (index <= this.m.snap.idx) {
      throw new RaftError(RaftErrorCode.SnapOutOfDate, `snapshot ${index} is old`);
    }
    this.writeSnapshot(snap);
    this.sql.exec('DELETE FROM raft_log');
    this.sql.exec(
      'UPDATE raft_state SET log_offset = ?, log_offset_term = ? WHERE id = 0',
      index,
      term,
    );
    this.m.log.reset(index, term);
  }

  /** Stores a snapshot and its conf state (the one initialState reports). */
  private writeSnapshot(snap: Snapshot): void {
    const { confState } = snap.meta;
    const row = writeSnapshotRows(this.sql, snap);
    this.sql.exec(
      'UPDATE raft_state SET voters = ?, learners = ? WHERE id = 0',
      encodeIds(confState.voters),
      encodeIds(confState.learners),
    );
    this.m.snap = row;
    this.m.confState = confState;
    this.snapCache = snap;
  }

  private transact(write: () => void): void {
    try {
      this.storage.transactionSync(write);
    } catch (e) {
      // SQLite rolled back; the mirror may hold part of the failed write.
      this.m = this.load();
      this.snapCache = null;
      throw e;
    }
  }

  private load(): Mirror {
    const st = this.sql.exec<StateRow>('SELECT * FROM raft_state WHERE id = 0').one();
    const log = new LogMirror(st.log_offset, st.log_offset_term);
    const rows = this.sql.exec<{ idx: number; term: number; size: number }>(
      'SELECT idx, term, length(data) AS size FROM raft_log ORDER BY idx',
    );
    for (const { idx, term, size } of rows) {
      if (idx !== log.lastIndex() + 1) {
        throw new Error(`SqlRaftStorage: stored log jumps from ${log.lastIndex()} to ${idx}`);
      }
      log.push(term, size);
    }
    return {
      hardState: { term: st.term, vote: st.vote, commit: st.commit_index },
      confState: decodeConfState(st.voters, st.learners),
      log,
      snap: readSnapshotRow(this.sql),
    };
  }
}
