// The shard's trained IVF cells in SQLite, so waking costs no k-means: centroids as f32 bytes cut
// into rows of at most 1 MB (a row may hold 2 MB), and the row count they were trained at.
import type { TrainedCells } from '@proxima/core/rag';

const PART_BYTES = 1024 * 1024;

export function saveCells(sql: SqlStorage, cells: TrainedCells): void {
  sql.exec('DELETE FROM cells');
  const bytes = new Uint8Array(
    cells.centroids.buffer,
    cells.centroids.byteOffset,
    cells.centroids.byteLength,
  );
  sql.exec(
    'INSERT INTO cells (part, bytes) VALUES (?, ?)',
    -1,
    new Uint8Array(new Float64Array([cells.trainedAt]).buffer),
  );
  for (let at = 0, part = 0; at < bytes.length; at += PART_BYTES, part++)
    sql.exec(
      'INSERT INTO cells (part, bytes) VALUES (?, ?)',
      part,
      bytes.slice(at, at + PART_BYTES),
    );
}

/** The saved cells, or undefined when there are none (or they do not fit `dim`). */
export function loadCells(sql: SqlStorage, dim: number): TrainedCells | undefined {
  const rows = sql.exec('SELECT part, bytes FROM cells ORDER BY part').toArray();
  const head = rows[0];
  if (head === undefined || Number(head['part']) !== -1) return undefined;
  const trainedAt = new Float64Array(head['bytes'] as ArrayBuffer)[0];
  const parts = rows.slice(1).map((r) => new Uint8Array(r['bytes'] as ArrayBuffer));
  const total = parts.reduce((n, p) => n + p.length, 0);
  if (trainedAt === undefined || total === 0 || total % (4 * dim) !== 0) return undefined;
  const joined = new Uint8Array(total);
  parts.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
  return { centroids: new Float32Array(joined.buffer), trainedAt };
}
