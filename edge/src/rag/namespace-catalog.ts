// The namespace's catalogue in SQLite: documents with their versions, the shards holding each
// document's chunks, and each shard's row count.
export interface DocumentRow {
  readonly id: string;
  readonly version: number;
  readonly chunks: number;
  readonly format: string;
  readonly metadata: string;
  readonly bytes: number;
  readonly updatedAt: number;
  readonly deleted: boolean;
}

interface DocumentSqlRow extends Record<string, SqlStorageValue> {
  id: string;
  version: number;
  chunks: number;
  format: string;
  metadata: string;
  bytes: number;
  updated_at: number;
  deleted: number;
}

function toDocument(r: DocumentSqlRow): DocumentRow {
  return {
    id: r.id,
    version: r.version,
    chunks: r.chunks,
    format: r.format,
    metadata: r.metadata,
    bytes: r.bytes,
    updatedAt: r.updated_at,
    deleted: r.deleted === 1,
  };
}

export class NamespaceCatalog {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  document(id: string): DocumentRow | null {
    const r = this.sql
      .exec<DocumentSqlRow>('SELECT * FROM documents WHERE id = ?', id)
      .toArray()[0];
    return r === undefined ? null : toDocument(r);
  }

  /** Live documents after `cursor` in id order. */
  list(after: string | null, limit: number): DocumentRow[] {
    const rows =
      after === null
        ? this.sql.exec<DocumentSqlRow>(
            'SELECT * FROM documents WHERE deleted = 0 ORDER BY id LIMIT ?',
            limit,
          )
        : this.sql.exec<DocumentSqlRow>(
            'SELECT * FROM documents WHERE deleted = 0 AND id > ? ORDER BY id LIMIT ?',
            after,
            limit,
          );
    return rows.toArray().map(toDocument);
  }

  liveCount(): number {
    return Number(
      this.sql.exec('SELECT count(*) AS n FROM documents WHERE deleted = 0').one()['n'],
    );
  }

  put(doc: DocumentRow): void {
    this.sql.exec(
      `INSERT INTO documents (id, version, chunks, format, metadata, bytes, updated_at, deleted)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, chunks = excluded.chunks,
         format = excluded.format, metadata = excluded.metadata, bytes = excluded.bytes,
         updated_at = excluded.updated_at, deleted = excluded.deleted`,
      doc.id,
      doc.version,
      doc.chunks,
      doc.format,
      doc.metadata,
      doc.bytes,
      doc.updatedAt,
      doc.deleted ? 1 : 0,
    );
  }

  shardsOf(doc: string): string[] {
    return this.sql
      .exec<{ shard: string }>('SELECT shard FROM doc_shards WHERE doc = ? ORDER BY shard', doc)
      .toArray()
      .map((r) => r.shard);
  }

  setShards(doc: string, shards: Iterable<string>): void {
    this.sql.exec('DELETE FROM doc_shards WHERE doc = ?', doc);
    for (const shard of shards)
      this.sql.exec('INSERT INTO doc_shards (doc, shard) VALUES (?, ?)', doc, shard);
  }

  /** After a split: every document on `parent` is now on both children. */
  replaceShard(parent: string, children: readonly string[]): void {
    for (const child of children)
      this.sql.exec(
        'INSERT OR IGNORE INTO doc_shards (doc, shard) SELECT doc, ? FROM doc_shards WHERE shard = ?',
        child,
        parent,
      );
    this.sql.exec('DELETE FROM doc_shards WHERE shard = ?', parent);
  }

  rowsOf(shard: string): number {
    const r = this.sql.exec('SELECT rows FROM shard_rows WHERE shard = ?', shard).toArray()[0];
    return r === undefined ? 0 : Number(r['rows']);
  }

  setRows(shard: string, rows: number): void {
    this.sql.exec(
      'INSERT INTO shard_rows (shard, rows) VALUES (?, ?) ON CONFLICT (shard) DO UPDATE SET rows = excluded.rows',
      shard,
      rows,
    );
  }

  forgetShard(shard: string): void {
    this.sql.exec('DELETE FROM shard_rows WHERE shard = ?', shard);
  }

  /** Drops every document and shard record (a dropped namespace), keeping the metadata table. */
  clear(): void {
    this.sql.exec('DELETE FROM documents');
    this.sql.exec('DELETE FROM doc_shards');
    this.sql.exec('DELETE FROM shard_rows');
  }
}
