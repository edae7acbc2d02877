// The combined partitioning for broad top-k (RAG): k-means cells hold their int8 rows contiguously,
// so a query scores its nearest cells with one batched int8 kernel call per cell, no gather. An
// optional SimHash sketch per row lets a query probe many more cells: Hamming distance on the
// sketches (a few bytes a row) picks the rows worth an exact int8 score. See
// docs/design/0022-lsh-index.md for the measurements.
import type { VectorKernels } from './kernels.ts';
import { LshError } from './errors.ts';
import { toUnit } from './encode.ts';
import { assignRows } from './kmeans.ts';
import { prepareQuery, type Hits } from './rerank.ts';
import { Cell } from './ivf-cell.ts';

export interface SketchParams {
  /** bits × dim hyperplanes. */
  readonly planes: Float32Array;
  readonly bits: number;
  /** Rows (lowest Hamming distance first) that get an exact int8 score. */
  readonly rerank: number;
}

export interface IvfParams {
  readonly dim: number;
  /** Cells probed per query. */
  readonly nprobe: number;
  readonly sketch?: SketchParams;
  /** Keep the unit f32 rows so the int8 winners can be re-checked exactly (4× the row bytes). */
  readonly keepF32?: boolean;
  /**
   * Without keepF32: re-check the int8 winners by scoring their dequantized rows against the f32
   * query. Only the rows are quantized then, not the query too, at no extra memory.
   */
  readonly recheckCodes?: boolean;
}

export interface IvfSearchOptions {
  readonly nprobe?: number;
  /** Overrides sketch.rerank; 0 turns the sketch filter off for this query. */
  readonly rerank?: number;
  /**
   * With keepF32 or recheckCodes: re-check this many int8 winners in f32 (default 4·k; 0 = int8
   * order only).
   */
  readonly recheck?: number;
}

/** Candidate rows of a sketched search (negated Hamming distance, cell, position), kept flat. */
class Candidates {
  ham = new Float32Array(0);
  cell = new Uint32Array(0);
  pos = new Uint32Array(0);
  ensure(n: number): void {
    if (this.ham.length >= n) return;
    const cap = Math.max(n, this.ham.length * 2);
    this.ham = new Float32Array(cap);
    this.cell = new Uint32Array(cap);
    this.pos = new Uint32Array(cap);
  }
}

export class IvfIndex {
  readonly params: IvfParams;
  readonly centroids: Float32Array;
  private readonly c8: Int8Array;
  private readonly cScale: Float32Array;
  private readonly cells: Cell[];
  private readonly where = new Map<number, { cell: number; pos: number }>();
  private readonly kernels: VectorKernels;
  private readonly words: number;
  private scores = new Float32Array(0);
  private owner = new Float64Array(0);
  private ownerCell = new Uint32Array(0);
  private ownerPos = new Uint32Array(0);
  private gather = new Int8Array(0);
  private recheckRows = new Float32Array(0);
  private readonly cand = new Candidates();
  readonly lastStats = { candidates: 0, scored: 0 };

  constructor(params: IvfParams, centroids: Float32Array, kernels: VectorKernels) {
    const d = params.dim;
    const count = centroids.length / d;
    if (!Number.isInteger(count) || count < 1)
      throw new LshError('bad_params', 'centroids must be whole rows of dim');
    if (!Number.isInteger(params.nprobe) || params.nprobe < 1)
      throw new LshError('bad_params', 'nprobe must be ≥ 1');
    const sk = params.sketch;
    if (sk && sk.planes.length !== sk.bits * d)
      throw new LshError('bad_params', 'sketch planes must be bits × dim');
    this.params = params;
    this.centroids = centroids;
    this.kernels = kernels;
    this.words = sk ? (sk.bits + 31) >>> 5 : 0;
    this.cells = Array.from(
      { length: count },
      () => new Cell(d, this.words, params.keepF32 ?? false),
    );
    // Cells are chosen with int8 centroids: a quarter of the bytes, and a ranking error far below
    // the gap between neighbouring cells.
    this.c8 = new Int8Array(count * d);
    this.cScale = new Float32Array(count);
    for (let c = 0; c < count; c++) {
      this.cScale[c] = kernels.quantizeI8(
        centroids.subarray(c * d, c * d + d),
        this.c8.subarray(c * d, c * d + d),
      );
    }
  }

  get size(): number {
    return this.where.size;
  }

  get cellCount(): number {
    return this.cells.length;
  }

  insert(id: number, v: Float32Array): void {
    this.insertMany([id], v);
  }

  /** Inserts rows (n × dim) under ids, assigning cells in blocks (one kernel call per block). */
  insertMany(ids: ArrayLike<number>, rows: Float32Array): void {
    const d = this.params.dim;
    if (rows.length !== ids.length * d)
      throw new LshError('shape', `expected ${ids.length}×${d} values`);
    const units = new Float32Array(rows.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isSafeInteger(id) || id < 0)
        throw new LshError('bad_params', `ids are non-negative safe integers, got ${id}`);
      if (this.where.has(id)) throw new LshError('bad_params', `id ${id} is already stored`);
      units.set(toUnit(this.kernels, rows.subarray(i * d, i * d + d), d).unit, i * d);
    }
    const assigned = new Uint32Array(ids.length);
    assignRows(this.kernels, units, d, this.centroids, assigned);
    for (let i = 0; i < ids.length; i++)
      this.place(ids[i]!, assigned[i]!, units.subarray(i * d, i * d + d));
  }

  /** O(1): the cell's last row moves into the hole. */
  delete(id: number): void {
    const at = this.where.get(id);
    if (!at) throw new LshError('unknown_id', `id ${id} is not stored`);
    const d = this.params.dim;
    const w = this.words;
    const cell = this.cells[at.cell]!;
    const last = --cell.len;
    if (at.pos !== last) {
      cell.rows.copyWithin(at.pos * d, last * d, last * d + d);
      cell.codes.copyWithin(at.pos * w, last * w, last * w + w);
      if (cell.unit.length > 0) cell.unit.copyWithin(at.pos * d, last * d, last * d + d);
      cell.scales[at.pos] = cell.scales[last]!;
      const moved = cell.ids[last]!;
      cell.ids[at.pos] = moved;
      this.where.set(moved, { cell: at.cell, pos: at.pos });
    }
    this.where.delete(id);
  }

  upsert(id: number, v: Float32Array): void {
    if (this.where.has(id)) this.delete(id);
    this.insert(id, v);
  }

  search(query: Float32Array, k: number, opts: IvfSearchOptions = {}): Hits {
    const d = this.params.dim;
    const { unit } = toUnit(this.kernels, query, d);
    const q = prepareQuery(this.kernels, unit);
    const cScores = this.kernels.dotBatchI8(q.q8, this.c8);
    const coarse = new Float32Array(cScores.length);
    for (let c = 0; c < coarse.length; c++) coarse[c] = cScores[c]! * this.cScale[c]!;
    const probe = this.kernels.topK(
      coarse,
      Math.min(opts.nprobe ?? this.params.nprobe, this.cells.length),
    ).indices;
    const sk = this.params.sketch;
    const rerank = opts.rerank ?? sk?.rerank ?? 0;
    const recheck = this.params.keepF32 || this.params.recheckCodes ? (opts.recheck ?? 4 * k) : 0;
    if (sk && rerank > 0)
      return this.searchSketched(unit, q.q8, q.qScale, probe, k, sk, rerank, recheck);
    let total = 0;
    for (const c of probe) total += this.cells[c]!.len;
    this.ensureOwners(total);
    // One fused kernel call per cell writes scaled scores straight into the shared buffer; which
    // cell a score came from is resolved afterwards, for the winners only.
    const starts: number[] = [];
    const from: number[] = [];
    let n = 0;
    for (const c of probe) {
      const cell = this.cells[c]!;
      if (cell.len === 0) continue;
      this.kernels.scoreI8(
        q.q8,
        q.qScale,
        cell.rows.subarray(0, cell.len * d),
        cell.scales.subarray(0, cell.len),
        this.scores.subarray(n, n + cell.len),
      );
      starts.push(n);
      from.push(c);
      n += cell.len;
    }
    this.lastStats.candidates = n;
    this.lastStats.scored = n;
    return this.finish(unit, n, k, recheck, (indices) => {
      for (const j of indices) {
        let lo = 0;
        let hi = starts.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (starts[mid]! <= j) lo = mid;
          else hi = mid - 1;
        }
        const c = from[lo]!;
        const pos = j - starts[lo]!;
        this.ownerCell[j] = c;
        this.ownerPos[j] = pos;
        this.owner[j] = this.cells[c]!.ids[pos]!;
      }
    });
  }

  private ensureOwners(n: number): void {
    if (this.scores.length >= n) return;
    const cap = Math.max(n, this.scores.length * 2);
    this.scores = new Float32Array(cap);
    this.owner = new Float64Array(cap);
    this.ownerCell = new Uint32Array(cap);
    this.ownerPos = new Uint32Array(cap);
  }

  /**
   * Top-k of the n scored rows; with recheck > 0 the int8 winners are re-scored in f32. resolve, if
   * given, fills the owner arrays for the winning indices (the plain scan leaves them unset).
   */
  private finish(
    unit: Float32Array,
    n: number,
    k: number,
    recheck: number,
    resolve?: (indices: Uint32Array) => void,
  ): Hits {
    const top = this.kernels.topK(this.scores.subarray(0, n), recheck > k ? recheck : k);
    resolve?.(top.indices);
    if (recheck <= 0 || top.indices.length === 0) {
      const m = Math.min(k, top.indices.length);
      return {
        ids: Array.from(top.indices.subarray(0, m), (j) => this.owner[j]!),
        scores: Array.from(top.scores.subarray(0, m)),
      };
    }
    const d = this.params.dim;
    const m = top.indices.length;
    if (this.recheckRows.length < m * d) this.recheckRows = new Float32Array(m * d);
    const rows = this.recheckRows;
    for (let i = 0; i < m; i++) {
      const j = top.indices[i]!;
      const cell = this.cells[this.ownerCell[j]!]!;
      const pos = this.ownerPos[j]!;
      const from = pos * d;
      const to = i * d;
      if (cell.unit.length > 0) for (let x = 0; x < d; x++) rows[to + x] = cell.unit[from + x]!;
      else unitOfCodes(cell.rows.subarray(from, from + d), rows.subarray(to, to + d));
    }
    const exact = this.kernels.topK(this.kernels.dotBatchF32(unit, rows.subarray(0, m * d)), k);
    return {
      ids: Array.from(exact.indices, (i) => this.owner[top.indices[i]!]!),
      scores: Array.from(exact.scores),
    };
  }

  /** Approximate bytes held by the index (typed arrays; Map overhead estimated). */
  memoryBytes(): number {
    let b = this.c8.byteLength + this.centroids.byteLength + this.cScale.byteLength;
    for (const c of this.cells)
      b += c.rows.byteLength + c.scales.byteLength + c.ids.byteLength + c.codes.byteLength;
    return b + this.where.size * 64;
  }

  cellSizes(): number[] {
    return this.cells.map((c) => c.len);
  }

  /** Read-only view of cell c's live rows, for snapshots. */
  cellView(c: number): {
    ids: Float64Array;
    scales: Float32Array;
    rows: Int8Array;
    codes: Uint32Array;
    unit: Float32Array;
  } {
    const cell = this.cells[c]!;
    const d = this.params.dim;
    const n = cell.len;
    return {
      ids: cell.ids.subarray(0, n),
      scales: cell.scales.subarray(0, n),
      rows: cell.rows.subarray(0, n * d),
      codes: cell.codes.subarray(0, n * this.words),
      unit: cell.unit.subarray(0, cell.unit.length > 0 ? n * d : 0),
    };
  }

  /**
   * Cell c's live rows as unit f32, row-major: the kept rows (a view), or else the int8 codes
   * dequantized and normalised into a new array.
   */
  cellRowsF32(c: number): Float32Array {
    const cell = this.cells[c];
    if (!cell) throw new LshError('bad_params', `cell ${c} does not exist`);
    const d = this.params.dim;
    const n = cell.len;
    if (cell.unit.length > 0) return cell.unit.subarray(0, n * d);
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++)
      unitOfCodes(cell.rows.subarray(i * d, i * d + d), out.subarray(i * d, i * d + d));
    return out;
  }

  /** Appends already-encoded rows to cell c (loading a snapshot; no re-assignment, no re-hash). */
  restoreRows(
    c: number,
    ids: Float64Array,
    scales: Float32Array,
    rows: Int8Array,
    codes: Uint32Array,
    unit: Float32Array | undefined,
  ): void {
    const d = this.params.dim;
    const w = this.words;
    const cell = this.cells[c];
    if (!cell) throw new LshError('corrupt', `cell ${c} does not exist`);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (this.where.has(id)) throw new LshError('corrupt', `id ${id} appears twice`);
      if (cell.len === cell.scales.length) cell.grow(d, w);
      const pos = cell.len++;
      cell.ids[pos] = id;
      cell.scales[pos] = scales[i]!;
      cell.rows.set(rows.subarray(i * d, i * d + d), pos * d);
      if (w > 0) cell.codes.set(codes.subarray(i * w, i * w + w), pos * w);
      if (unit && cell.unit.length > 0) cell.unit.set(unit.subarray(i * d, i * d + d), pos * d);
      this.where.set(id, { cell: c, pos });
    }
  }

  private place(id: number, c: number, unit: Float32Array): void {
    const d = this.params.dim;
    const w = this.words;
    const cell = this.cells[c]!;
    if (cell.len === cell.scales.length) cell.grow(d, w);
    const pos = cell.len++;
    cell.scales[pos] = this.kernels.quantizeI8(unit, cell.rows.subarray(pos * d, pos * d + d));
    cell.ids[pos] = id;
    if (cell.unit.length > 0) cell.unit.set(unit, pos * d);
    const sk = this.params.sketch;
    if (sk) cell.codes.set(this.kernels.simhash(unit, sk.planes, sk.bits), pos * w);
    this.where.set(id, { cell: c, pos });
  }

  private searchSketched(
    unit: Float32Array,
    q8: Int8Array,
    qScale: number,
    probe: Uint32Array,
    k: number,
    sk: SketchParams,
    rerank: number,
    recheck: number,
  ): Hits {
    const d = this.params.dim;
    const w = this.words;
    const qcode = this.kernels.simhash(unit, sk.planes, sk.bits);
    let total = 0;
    for (const c of probe) total += this.cells[c]!.len;
    const cand = this.cand;
    cand.ensure(total);
    let n = 0;
    for (const c of probe) {
      const cell = this.cells[c]!;
      if (cell.len === 0) continue;
      const hd = this.kernels.hammingBatch(qcode, cell.codes.subarray(0, cell.len * w));
      for (let j = 0; j < cell.len; j++) {
        cand.ham[n] = -hd[j]!;
        cand.cell[n] = c;
        cand.pos[n++] = j;
      }
    }
    this.lastStats.candidates = n;
    const keep = this.kernels.topK(cand.ham.subarray(0, n), rerank).indices;
    const m = keep.length;
    if (this.gather.length < m * d) this.gather = new Int8Array(m * d * 2);
    this.ensureOwners(m);
    for (let j = 0; j < m; j++) {
      const i = keep[j]!;
      const cell = this.cells[cand.cell[i]!]!;
      const p = cand.pos[i]!;
      this.gather.set(cell.rows.subarray(p * d, p * d + d), j * d);
      this.scores[j] = cell.scales[p]! * qScale;
      this.owner[j] = cell.ids[p]!;
      this.ownerCell[j] = cand.cell[i]!;
      this.ownerPos[j] = p;
    }
    const dots = this.kernels.dotBatchI8(q8, this.gather.subarray(0, m * d));
    for (let j = 0; j < m; j++) this.scores[j]! *= dots[j]!;
    this.lastStats.scored = m;
    return this.finish(unit, m, k, recheck);
  }
}

/** The direction of a row's int8 codes as a unit f32 vector (the scale cancels out). */
function unitOfCodes(codes: Int8Array, out: Float32Array): void {
  let s = 0;
  for (let x = 0; x < codes.length; x++) s += codes[x]! * codes[x]!;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let x = 0; x < codes.length; x++) out[x] = codes[x]! * inv;
}
