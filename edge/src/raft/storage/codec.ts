// Mapping between the Raft core's types and SQLite values: entry types as integers, payloads as
// BLOBs (ArrayBuffer), a conf state as JSON arrays. Encoders check what SQLite would take silently.
import type { ConfState, Entry, EntryType, NodeId } from '@proxima/core/raft';

/** A Durable Object stores at most 2 MB per row or value. */
export const ROW_LIMIT_BYTES = 2_000_000;
/** An entry's payload, leaving room in its row for index, term and type. */
export const MAX_ENTRY_DATA_BYTES = ROW_LIMIT_BYTES - 1_024;

const ENTRY_TYPES: readonly EntryType[] = ['normal', 'conf'];

export interface LogRow extends Record<string, SqlStorageValue> {
  idx: number;
  term: number;
  type: number;
  data: ArrayBuffer;
}

/** An index, term or node id: a non-negative safe integer. */
export function checkUint(what: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new Error(`SqlRaftStorage: ${what} must be a non-negative integer, got ${String(n)}`);
  }
  return n;
}

export function encodeEntryType(t: EntryType): number {
  const code = ENTRY_TYPES.indexOf(t);
  if (code < 0) throw new Error(`SqlRaftStorage: unknown entry type ${JSON.stringify(t)}`);
  return code;
}

export function decodeEntryType(code: number): EntryType {
  const t = ENTRY_TYPES[code];
  if (t === undefined) throw new Error(`SqlRaftStorage: unknown stored entry type ${code}`);
  return t;
}

/** The values of one raft_log row, in the order idx, term, type, data. */
export function encodeEntry(e: Entry): SqlStorageValue[] {
  if (e.data.length > MAX_ENTRY_DATA_BYTES) {
    throw new Error(
      `SqlRaftStorage: entry ${e.index} carries ${e.data.length} bytes, over the row limit`,
    );
  }
  return [
    checkUint('entry index', e.index),
    checkUint('entry term', e.term),
    encodeEntryType(e.type),
    toBuffer(e.data),
  ];
}

export function decodeEntry(row: LogRow): Entry {
  return {
    index: row.idx,
    term: row.term,
    type: decodeEntryType(row.type),
    data: new Uint8Array(row.data),
  };
}

/** A copy of exactly the bytes in view (SQL bindings take an ArrayBuffer, not a view). */
export function toBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

export function encodeIds(ids: readonly NodeId[]): string {
  return JSON.stringify(ids.map((id) => checkUint('node id', id)));
}

export function decodeIds(json: string): NodeId[] {
  const parsed: unknown = JSON.parse(json);
  const bad = (): Error =>
    new Error(`SqlRaftStorage: stored node ids ${json} are not a list of ids`);
  if (!Array.isArray(parsed)) throw bad();
  const ids: NodeId[] = [];
  for (const id of parsed as unknown[]) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw bad();
    ids.push(id);
  }
  return ids;
}

export function decodeConfState(voters: string, learners: string): ConfState {
  return { voters: decodeIds(voters), learners: decodeIds(learners) };
}
