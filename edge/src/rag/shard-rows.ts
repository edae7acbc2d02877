// The shard's rows in SQLite and their in-memory mirror: what a stored chunk is besides its vector
// (document, version, index, metadata) and the reads a search needs (the sealed text of its hits).
import type { ChunkRef, StoredHit } from '@proxima/core/rag';

/** Bound parameters per statement stay under the platform's 100. */
const PARAMS_PER_STATEMENT = 90;

export interface RowInfo extends ChunkRef {
  readonly metadata: string;
}

export interface LoadedRow extends RowInfo {
  readonly row: number;
  readonly codes: Int8Array;
  readonly scale: number;
  readonly norm: number;
  readonly terms: Uint8Array;
}

function bytes(value: SqlStorageValue): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError('expected a BLOB column');
}

export function readRows(sql: SqlStorage, afterRow: number, limit: number): LoadedRow[] {
  const out: LoadedRow[] = [];
  const cursor = sql.exec<{
    row: number;
    doc: string;
    version: number;
    idx: number;
    codes: ArrayBuffer;
    scale: number;
    norm: number;
    terms: ArrayBuffer;
    metadata: string;
  }>(
    'SELECT row, doc, version, idx, codes, scale, norm, terms, metadata FROM chunks WHERE row > ? ORDER BY row LIMIT ?',
    afterRow,
    limit,
  );
  for (const r of cursor) {
    const codes = bytes(r.codes);
    out.push({
      row: r.row,
      doc: r.doc,
      version: r.version,
      index: r.idx,
      codes: new Int8Array(codes.buffer, codes.byteOffset, codes.byteLength),
      scale: r.scale,
      norm: r.norm,
      terms: bytes(r.terms),
      metadata: r.metadata,
    });
  }
  return out;
}

export function rowsOfDoc(sql: SqlStorage, doc: string): number[] {
  return sql
    .exec('SELECT row FROM chunks WHERE doc = ?', doc)
    .toArray()
    .map((r) => Number(r['row']));
}

/** The sealed text of these rows, by row. */
export function sealedOf(sql: SqlStorage, rows: readonly number[]): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const distinct = [...new Set(rows)];
  for (let i = 0; i < distinct.length; i += PARAMS_PER_STATEMENT) {
    const part = distinct.slice(i, i + PARAMS_PER_STATEMENT);
    const marks = part.map(() => '?').join(',');
    for (const r of sql.exec(`SELECT row, sealed FROM chunks WHERE row IN (${marks})`, ...part))
      out.set(Number(r['row']), bytes(r['sealed']!));
  }
  return out;
}

export function hitOf(info: RowInfo, sealed: Uint8Array | undefined): StoredHit {
  if (sealed === undefined) throw new Error(`row of ${info.doc}#${info.index} has no text`);
  return {
    doc: info.doc,
    version: info.version,
    index: info.index,
    sealed,
    metadata: info.metadata,
  };
}
