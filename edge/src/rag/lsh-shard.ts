import { DurableObject } from 'cloudflare:workers';
import {
  Bm25Index,
  decodeTerms,
  matchesFilter,
  planSplit,
  RAG_WIRE_LIMITS,
  ShardEngine,
  type ChunkRecord,
  type EmbedderStamp,
  type Metadata,
  type ShardAnswer,
  type ShardIdentity,
  type ShardQuery,
  type ShardWrite,
} from '@proxima/core/rag';
import { seededRng } from '@proxima/core/lsh';
import { hash32 } from '@proxima/core/text';
import { intVar, type Env } from '../env.ts';
import { edgeKernels } from '../kernels.ts';
import { checkIdentity, checkWrite, ShardCallError } from './shard-checks.ts';
import { loadCells, saveCells } from './shard-cells.ts';
import { hitOf, readRows, rowsOfDoc, sealedOf, type RowInfo } from './shard-rows.ts';
import { SHARD_SCHEMA } from './shard-schema.ts';

const LOAD_BATCH = 2000;

interface ShardMeta extends ShardIdentity, EmbedderStamp {
  /** Set when a split moved this shard's rows to its children: the directory version after it. */
  readonly retiredAt: number | null;
}

/**
 * One shard of one tenant's RAG namespace: int8 vectors and BM25 postings over its chunks, served
 * from memory and kept in SQLite. The vector index and the postings are core's (ShardEngine,
 * Bm25Index); this object loads them on wake, writes through, and answers searches with sealed
 * text the Worker decrypts. Writes come only from the namespace object; searches from Workers.
 */
export class LshShard extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private meta: ShardMeta | null;
  /** The in-memory index, loaded by the first read after a wake or an idle release. */
  private memory: ShardMemory | null = null;
  /** Rows stored, counted once from SQLite and kept by every write. */
  private rowCount: number | null = null;
  private lastRead = 0;
  private releaseTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SHARD_SCHEMA);
    this.meta = this.readMeta();
  }

  /** Stores chunks and removes documents, in one transaction; a loaded index follows the write. */
  write(w: ShardWrite): { readonly rows: number } {
    checkWrite(w);
    checkIdentity(this.meta, w);
    const meta = this.meta ?? this.create(w);
    if (meta.retiredAt !== null)
      throw new ShardCallError(`shard ${meta.shard} was retired at version ${meta.retiredAt}`);
    if (meta.embedder !== w.embedder || meta.dim !== w.dim)
      throw new ShardCallError(
        `shard ${meta.shard} holds ${meta.embedder}/${meta.dim} vectors; refused ${w.embedder}/${w.dim}`,
      );
    const count = this.countRows();
    const removed: number[] = [];
    const added: { row: number; chunk: ChunkRecord }[] = [];
    const kernels = edgeKernels();
    this.ctx.storage.transactionSync(() => {
      for (const doc of w.removeDocs) {
        removed.push(...rowsOfDoc(this.sql, doc));
        this.sql.exec('DELETE FROM chunks WHERE doc = ?', doc);
      }
      for (const chunk of w.adds) {
        const codes = new Int8Array(meta.dim);
        const scale = kernels.quantizeI8(chunk.vector, codes);
        const norm = Math.sqrt(kernels.dotF32(chunk.vector, chunk.vector));
        const row = this.sql
          .exec(
            `INSERT INTO chunks (doc, version, idx, codes, scale, norm, terms, sealed, metadata)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING row`,
            chunk.doc,
            chunk.version,
            chunk.index,
            codes,
            scale,
            norm,
            chunk.terms,
            chunk.sealed,
            chunk.metadata,
          )
          .one()['row'];
        added.push({ row: Number(row), chunk });
      }
    });
    this.rowCount = count - removed.length + added.length;
    const memory = this.memory;
    if (memory !== null) {
      for (const row of removed) forget(memory, row);
      for (const { row, chunk } of added) {
        remember(memory, row, chunk.vector, chunk.terms, {
          doc: chunk.doc,
          version: chunk.version,
          index: chunk.index,
          metadata: chunk.metadata,
        });
      }
      this.saveTrained(memory);
    }
    return { rows: this.rowCount };
  }

  search(q: ShardQuery): ShardAnswer {
    checkIdentity(this.meta, q);
    const meta = this.meta;
    const empty: ShardAnswer = {
      ok: true,
      vector: [],
      bm25: { docs: 0, totalLength: 0, df: q.terms.map(() => 0), hits: [] },
    };
    if (meta === null) return empty;
    if (meta.retiredAt !== null) return { ok: false, stale: true, retiredAt: meta.retiredAt };
    if (meta.embedder !== q.embedder || meta.dim !== q.dim)
      throw new ShardCallError(
        `shard ${meta.shard} holds ${meta.embedder}/${meta.dim} vectors; the query is ${q.embedder}/${q.dim}`,
      );
    const memory = this.read(meta);
    const k = Math.min(Math.max(1, Math.floor(q.k)), RAG_WIRE_LIMITS.candidatesPerList);
    const filter = q.filter;
    const accept =
      filter === null
        ? undefined
        : (row: number) => {
            const info = memory.info.get(row);
            return info !== undefined && matchesFilter(metadataOf(memory, info.metadata), filter);
          };
    const vector =
      q.vector === null ? [] : memory.engine.search(q.vector, k, accept ? { accept } : {});
    const lexical = memory.bm25.candidates(q.terms, q.terms.length === 0 ? 0 : k, accept);
    const sealed = sealedOf(this.sql, [
      ...vector.map((h) => h.row),
      ...lexical.hits.map((h) => h.row),
    ]);
    const hit = (row: number) => hitOf(memory.info.get(row)!, sealed.get(row));
    return {
      ok: true,
      vector: vector.map((h) => ({ ...hit(h.row), score: h.score })),
      bm25: { ...lexical, hits: lexical.hits.map((h) => ({ ...hit(h.row), ...h })) },
    };
  }

  /**
   * Rows in (afterRow, until], in row order, for a split's copy (vectors rebuilt from their codes).
   * Rows written after the split began are above `until`: the namespace wrote those to the
   * children itself. `last` is null when the range is exhausted.
   */
  exportRows(
    caller: ShardIdentity,
    afterRow: number,
    until: number,
    limit: number,
  ): { readonly rows: ChunkRecord[]; readonly last: number | null } {
    checkIdentity(this.meta, caller);
    const meta = this.meta;
    if (meta === null) return { rows: [], last: null };
    const take = Math.min(Math.max(1, limit), RAG_WIRE_LIMITS.rowsPerCopy);
    const loaded = readRows(this.sql, afterRow, take).filter((r) => r.row <= until);
    const sealed = sealedOf(
      this.sql,
      loaded.map((r) => r.row),
    );
    const rows = loaded.map((r) => ({
      doc: r.doc,
      version: r.version,
      index: r.index,
      vector: dequantize(r.codes, r.scale),
      terms: r.terms,
      sealed: sealed.get(r.row)!,
      metadata: r.metadata,
    }));
    return { rows, last: loaded.length === take ? loaded[loaded.length - 1]!.row : null };
  }

  /** Two centroids that cut this shard's vectors in two (2-means), for a split. */
  splitCentroids(caller: ShardIdentity, seed: number): [Float32Array, Float32Array] {
    checkIdentity(this.meta, caller);
    const meta = this.meta;
    if (meta === null) throw new ShardCallError('an empty shard cannot split');
    const engine = this.read(meta).engine;
    return planSplit(
      [...engine.rows()].map(([, v]) => v),
      meta.dim,
      seededRng(seed),
      edgeKernels(),
    );
  }

  /** Loads the index now, as a search would: a split warms its children before queries move there. */
  warm(caller: ShardIdentity): void {
    checkIdentity(this.meta, caller);
    const meta = this.meta;
    if (meta !== null && meta.retiredAt === null) this.read(meta);
  }

  /** After a split switched the directory: refuse searches from older directories, drop the rows. */
  retire(caller: ShardIdentity, version: number): void {
    checkIdentity(this.meta, caller);
    if (this.meta === null) return;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec('DELETE FROM chunks');
      this.sql.exec('DELETE FROM cells');
      this.setMeta('retiredAt', String(version));
    });
    this.meta = { ...this.meta, retiredAt: version };
    this.rowCount = 0;
    this.release();
  }

  stats(caller: ShardIdentity): {
    readonly rows: number;
    readonly retiredAt: number | null;
    /** The highest row id stored (a split copies up to it; later rows get higher ids). */
    readonly lastRow: number;
    /** Whether the index is in memory now (it loads on the first read and leaves when idle). */
    readonly loaded: boolean;
  } {
    checkIdentity(this.meta, caller);
    const last = this.sql.exec('SELECT max(row) AS last FROM chunks').one()['last'];
    return {
      rows: this.countRows(),
      retiredAt: this.meta?.retiredAt ?? null,
      lastRow: last === null ? 0 : Number(last),
      loaded: this.memory !== null,
    };
  }

  private countRows(): number {
    this.rowCount ??= Number(this.sql.exec('SELECT count(*) AS n FROM chunks').one()['n']);
    return this.rowCount;
  }

  /** The in-memory index, loaded if it is not, and the idle release pushed back. */
  private read(meta: ShardMeta): ShardMemory {
    this.memory ??= this.load(meta);
    this.lastRead = Date.now();
    this.releaseTimer ??= setTimeout(() => this.releaseIfIdle(), this.idleMs());
    return this.memory;
  }

  private releaseIfIdle(): void {
    this.releaseTimer = null;
    if (this.memory === null) return;
    const idle = Date.now() - this.lastRead;
    const limit = this.idleMs();
    if (idle >= limit) this.release();
    else this.releaseTimer = setTimeout(() => this.releaseIfIdle(), limit - idle);
  }

  /**
   * A shard no search has read for this long gives its in-memory index back and reloads it from
   * SQLite on the next read: one isolate may host many shards, and writes alone never load it.
   */
  private idleMs(): number {
    return intVar(this.env.RAG_SHARD_IDLE_MS, 120_000, 100, 3_600_000);
  }

  private release(): void {
    this.memory = null;
    if (this.releaseTimer !== null) clearTimeout(this.releaseTimer);
    this.releaseTimer = null;
  }

  /** Keeps the cells the engine trained last, so the next load need not train them again. */
  private saveTrained(memory: ShardMemory): void {
    const cells = memory.engine.trained();
    if (cells === null || cells.trainedAt === memory.savedCellsAt) return;
    saveCells(this.sql, cells);
    memory.savedCellsAt = cells.trainedAt;
  }

  private load(meta: ShardMeta): ShardMemory {
    const cells = loadCells(this.sql, meta.dim);
    const memory: ShardMemory = {
      engine: new ShardEngine(
        { dim: meta.dim, kernels: edgeKernels(), seed: hash32(0x5eed, meta.shard) },
        cells,
      ),
      savedCellsAt: cells?.trainedAt ?? 0,
      bm25: new Bm25Index(),
      info: new Map(),
      parsed: new Map(),
    };
    let after = 0;
    for (;;) {
      const rows = readRows(this.sql, after, LOAD_BATCH);
      for (const r of rows) remember(memory, r.row, dequantize(r.codes, r.scale), r.terms, r);
      if (rows.length < LOAD_BATCH) break;
      after = rows[rows.length - 1]!.row;
    }
    this.rowCount = memory.info.size;
    this.saveTrained(memory);
    return memory;
  }

  private create(w: ShardWrite): ShardMeta {
    const meta: ShardMeta = {
      tenant: w.tenant,
      namespace: w.namespace,
      shard: w.shard,
      embedder: w.embedder,
      dim: w.dim,
      retiredAt: null,
    };
    this.ctx.storage.transactionSync(() => {
      for (const key of ['tenant', 'namespace', 'shard', 'embedder'] as const)
        this.setMeta(key, meta[key]);
      this.setMeta('dim', String(meta.dim));
    });
    this.meta = meta;
    return meta;
  }

  private setMeta(key: string, value: string): void {
    this.sql.exec(
      'INSERT INTO shard_meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v',
      key,
      value,
    );
  }

  private readMeta(): ShardMeta | null {
    const m = new Map(
      this.sql
        .exec<{ k: string; v: string }>('SELECT k, v FROM shard_meta')
        .toArray()
        .map((r) => [r.k, r.v]),
    );
    const tenant = m.get('tenant');
    const namespace = m.get('namespace');
    const shard = m.get('shard');
    const embedder = m.get('embedder');
    const dim = m.get('dim');
    if (!tenant || !namespace || !shard || !embedder || !dim) return null;
    const retiredAt = m.get('retiredAt');
    return {
      tenant,
      namespace,
      shard,
      embedder,
      dim: Number(dim),
      retiredAt: retiredAt === undefined ? null : Number(retiredAt),
    };
  }
}

/** A shard's index in memory: vectors, postings, and what each row is. */
interface ShardMemory {
  readonly engine: ShardEngine;
  /** The row count the saved cells were trained at (0: none saved). */
  savedCellsAt: number;
  readonly bm25: Bm25Index;
  readonly info: Map<number, RowInfo>;
  /** Parsed metadata by its JSON text, for filters. */
  readonly parsed: Map<string, Metadata>;
}

function remember(
  memory: ShardMemory,
  row: number,
  vector: Float32Array,
  terms: Uint8Array,
  info: RowInfo,
): void {
  memory.engine.insert(row, vector);
  memory.bm25.add(row, decodeTerms(terms));
  memory.info.set(row, {
    doc: info.doc,
    version: info.version,
    index: info.index,
    metadata: info.metadata,
  });
}

function forget(memory: ShardMemory, row: number): void {
  memory.engine.delete(row);
  memory.bm25.remove(row);
  memory.info.delete(row);
}

function metadataOf(memory: ShardMemory, text: string): Metadata {
  let m = memory.parsed.get(text);
  if (m === undefined) {
    m = JSON.parse(text) as Metadata;
    if (memory.parsed.size > 10_000) memory.parsed.clear();
    memory.parsed.set(text, m);
  }
  return m;
}

function dequantize(codes: Int8Array, scale: number): Float32Array {
  const v = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) v[i] = codes[i]! * scale;
  return v;
}
