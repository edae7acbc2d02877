// A snapshot in SQLite: one meta row and its bytes in chunks of at most 1 MiB, because a Durable
// Object row holds at most 2 MB. Its conf state lives in raft_state (written by the caller).
import type { Snapshot } from '@proxima/core/raft';
import { checkUint, toBuffer } from './codec.ts';

export const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;

/** What raft_snapshot_meta holds. */
export interface SnapshotRow extends Record<string, SqlStorageValue> {
  idx: number;
  term: number;
  size: number;
  chunks: number;
}

/** Replaces the stored snapshot's meta row and chunks; run it inside a transaction. */
export function writeSnapshotRows(sql: SqlStorage, snap: Snapshot): SnapshotRow {
  const { data } = snap;
  const row: SnapshotRow = {
    idx: checkUint('snapshot index', snap.meta.index),
    term: checkUint('snapshot term', snap.meta.term),
    size: data.length,
    chunks: Math.ceil(data.length / SNAPSHOT_CHUNK_BYTES),
  };
  sql.exec(
    'UPDATE raft_snapshot_meta SET idx = ?, term = ?, size = ?, chunks = ? WHERE id = 0',
    row.idx,
    row.term,
    row.size,
    row.chunks,
  );
  sql.exec('DELETE FROM raft_snapshot_chunk');
  for (let seq = 0; seq < row.chunks; seq++) {
    const at = seq * SNAPSHOT_CHUNK_BYTES;
    const chunk = toBuffer(data.subarray(at, at + SNAPSHOT_CHUNK_BYTES));
    sql.exec('INSERT INTO raft_snapshot_chunk (seq, data) VALUES (?, ?)', seq, chunk);
  }
  return row;
}

export function readSnapshotRow(sql: SqlStorage): SnapshotRow {
  return sql.exec<SnapshotRow>('SELECT idx, term, size, chunks FROM raft_snapshot_meta').one();
}

/** Reassembles the stored snapshot's bytes and checks them against its meta row. */
export function readSnapshotData(sql: SqlStorage, row: SnapshotRow): Uint8Array {
  const data = new Uint8Array(row.size);
  let at = 0;
  let seq = 0;
  const cursor = sql.exec<{ seq: number; data: ArrayBuffer }>(
    'SELECT seq, data FROM raft_snapshot_chunk ORDER BY seq',
  );
  for (const chunk of cursor) {
    if (chunk.seq !== seq || at + chunk.data.byteLength > row.size) break;
    data.set(new Uint8Array(chunk.data), at);
    at += chunk.data.byteLength;
    seq++;
  }
  if (seq !== row.chunks || at !== row.size) {
    throw new Error(
      `SqlRaftStorage: snapshot ${row.idx} has ${at} of ${row.size} bytes in ${seq} of ${row.chunks} chunks`,
    );
  }
  return data;
}
