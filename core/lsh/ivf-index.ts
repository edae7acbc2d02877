// The combined partitioning for broad top-k (RAG): k-means cells hold their int8 rows contiguously,
// so a query scores the nearest cells with one batched int8 kernel call each, no gather. SimHash LSH
// stays the tool for near-duplicates (the cache); see docs/design/0022-lsh-index.md.
import type { VectorKernels } from './kernels.ts';
import { LshError } from './errors.ts';
import { toUnit } from './encode.ts';
import { nearestCentroid } from './kmeans.ts';
import { prepareQuery, type Hits } from './rerank.ts';

export interface IvfParams {
  readonly dim: number;
  /** Cells probed per query. */
  readonly nprobe: number;
}

class Cell {
  rows: Int8Array;
  scales: Float32Array;
  ids: Float64Array;
  len = 0;
  constructor(dim: number) {
    this.rows = new Int8Array(8 * dim);
    this.scales = new Float32Array(8);
    this.ids = new Float64Array(8);
  }
  grow(dim: number): void {
    const cap = this.scales.length * 2;
    const rows = new Int8Array(cap * dim);
    rows.set(this.rows);
    this.rows = rows;
    const scales = new Float32Array(cap);
    scales.set(this.scales);
    this.scales = scales;
    const ids = new Float64Array(cap);
    ids.set(this.ids);
    this.ids = ids;
  }
}

export class IvfIndex {
  readonly params: IvfParams;
  readonly centroids: Float32Array;
  private readonly cells: Cell[];
  private readonly where = new Map<number, { cell: number; pos: number }>();
  private readonly kernels: VectorKernels;
  private readonly cScores: Float32Array;
  private scores = new Float32Array(0);
  private owner = new Float64Array(0);
  readonly lastStats = { candidates: 0 };

  constructor(params: IvfParams, centroids: Float32Array, kernels: VectorKernels) {
    const count = centroids.length / params.dim;
    if (!Number.isInteger(count) || count < 1)
      throw new LshError('bad_params', 'centroids must be whole rows of dim');
    if (!Number.isInteger(params.nprobe) || params.nprobe < 1)
      throw new LshError('bad_params', 'nprobe must be ≥ 1');
    this.params = params;
    this.centroids = centroids;
    this.kernels = kernels;
    this.cells = Array.from({ length: count }, () => new Cell(params.dim));
    this.cScores = new Float32Array(count);
  }

  get size(): number {
    return this.where.size;
  }

  get cellCount(): number {
    return this.cells.length;
  }

  insert(id: number, v: Float32Array): void {
    if (this.where.has(id)) throw new LshError('bad_params', `id ${id} is already stored`);
    if (!Number.isSafeInteger(id) || id < 0)
      throw new LshError('bad_params', `ids are non-negative safe integers, got ${id}`);
    const d = this.params.dim;
    const { unit } = toUnit(this.kernels, v, d);
    const c = nearestCentroid(this.kernels, unit, this.centroids, this.cScores);
    const cell = this.cells[c]!;
    if (cell.len === cell.scales.length) cell.grow(d);
    const pos = cell.len++;
    cell.scales[pos] = this.kernels.quantizeI8(unit, cell.rows.subarray(pos * d, pos * d + d));
    cell.ids[pos] = id;
    this.where.set(id, { cell: c, pos });
  }

  /** O(1): the cell's last row moves into the hole. */
  delete(id: number): void {
    const at = this.where.get(id);
    if (!at) throw new LshError('unknown_id', `id ${id} is not stored`);
    const d = this.params.dim;
    const cell = this.cells[at.cell]!;
    const last = --cell.len;
    if (at.pos !== last) {
      cell.rows.copyWithin(at.pos * d, last * d, last * d + d);
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

  search(query: Float32Array, k: number, nprobe = this.params.nprobe): Hits {
    const d = this.params.dim;
    const { unit } = toUnit(this.kernels, query, d);
    const q = prepareQuery(this.kernels, unit);
    this.kernels.dotBatchF32(unit, this.centroids, this.cScores);
    const probe = this.kernels.topK(this.cScores, Math.min(nprobe, this.cells.length)).indices;
    let total = 0;
    for (const c of probe) total += this.cells[c]!.len;
    if (this.scores.length < total) {
      this.scores = new Float32Array(total * 2);
      this.owner = new Float64Array(total * 2);
    }
    let n = 0;
    for (const c of probe) {
      const cell = this.cells[c]!;
      if (cell.len === 0) continue;
      const dots = this.kernels.dotBatchI8(q.q8, cell.rows.subarray(0, cell.len * d));
      for (let j = 0; j < cell.len; j++) {
        this.scores[n] = dots[j]! * cell.scales[j]! * q.qScale;
        this.owner[n++] = cell.ids[j]!;
      }
    }
    this.lastStats.candidates = n;
    const top = this.kernels.topK(this.scores.subarray(0, n), k);
    return { ids: Array.from(top.indices, (j) => this.owner[j]!), scores: Array.from(top.scores) };
  }

  /** Cell sizes, for the bench and for deciding when to re-train or split. */
  cellSizes(): number[] {
    return this.cells.map((c) => c.len);
  }
}
