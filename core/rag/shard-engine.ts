// The in-memory vector index of one RAG shard. The shard's Durable Object rebuilds it from its
// SQLite rows on wake (passing the centroids it persisted, so waking costs no k-means), inserts and
// deletes as chunks change, and reads rows() to copy a half into a child when the shard splits.
import {
  chooseCells,
  checkK,
  IvfIndex,
  LshError,
  rejectNonFinite,
  seededRng,
  trainCentroids,
  type VectorKernels,
} from '../lsh/index.ts';
import { checkedNorm, unitCopy } from './shard-vector.ts';

export interface ShardEngineOptions {
  readonly dim: number;
  readonly kernels: VectorKernels;
  /** Seeds k-means; with the same rows in the same order, the same seed trains the same cells. */
  readonly seed: number;
  /** Rows at which the engine stops scanning everything and trains cells (default 2048). */
  readonly trainAt?: number;
  /**
   * Share of the cells a query probes (default 0.7). 0022 found ~27 % enough for 0.96 at 10⁵ rows,
   * but a shard holds at most 20,000: measured on 40-word man-page passages, recall@10 against
   * exact was 0.87 / 0.95 / 0.98 at 0.3 / 0.5 / 0.7 with 10,000 rows (0.94 / 0.97 / 0.99 with
   * 20,000), and 0.7 still costs about half an exact scan (docs/design/0017).
   */
  readonly recallFraction?: number;
  /** Fewest cells a query probes (default 8), so small trained shards still probe enough. */
  readonly minProbe?: number;
}

/** The k-means cells to persist, and the row count they were trained at (retrain at twice it). */
export interface TrainedCells {
  /** cells × dim unit centroids, row-major. */
  readonly centroids: Float32Array;
  readonly trainedAt: number;
}

export interface ShardSearchOptions {
  /** Rows the caller may see (tenant filters, tombstones); applied to candidates. */
  readonly accept?: (row: number) => boolean;
  /** Cells to probe (default: see defaultProbe). */
  readonly nprobe?: number;
  /** Brute force over every row: the ground truth. */
  readonly exact?: boolean;
}

export interface ShardHit {
  readonly row: number;
  /** Cosine similarity with the query. */
  readonly score: number;
}

/** Lloyd iterations per training (as bench:lsh, docs/design/0022). */
const TRAIN_ITERATIONS = 8;
/** k-means sees at most this many rows per cell: 0022 trained 632 cells on 40 rows each. */
const TRAIN_ROWS_PER_CELL = 40;
/** With a filter, the first pass fetches this many candidates per wanted row. */
const FILTER_OVERFETCH = 4;

export class ShardEngine {
  readonly dim: number;
  private readonly kernels: VectorKernels;
  private readonly seed: number;
  private readonly trainAt: number;
  private readonly recallFraction: number;
  private readonly minProbe: number;
  private index: IvfIndex;
  private cells: TrainedCells | null;
  private readonly live = new Set<number>();
  private scored = 0;

  constructor(options: ShardEngineOptions, trained?: TrainedCells) {
    const { dim, seed } = options;
    if (!Number.isInteger(dim) || dim < 1)
      throw new LshError('bad_params', `dim must be a positive integer, got ${dim}`);
    if (!Number.isSafeInteger(seed)) throw new LshError('bad_params', 'seed must be an integer');
    this.trainAt = options.trainAt ?? 2048;
    this.recallFraction = options.recallFraction ?? 0.7;
    this.minProbe = options.minProbe ?? 8;
    // chooseCells(n) ≤ n needs n ≥ 4: k-means cannot make more cells than it has rows.
    if (!Number.isSafeInteger(this.trainAt) || this.trainAt < 4)
      throw new LshError('bad_params', `trainAt must be an integer ≥ 4, got ${this.trainAt}`);
    if (!(this.recallFraction > 0 && this.recallFraction <= 1))
      throw new LshError(
        'bad_params',
        `recallFraction must be in (0, 1], got ${this.recallFraction}`,
      );
    if (!Number.isInteger(this.minProbe) || this.minProbe < 1)
      throw new LshError('bad_params', `minProbe must be a positive integer, got ${this.minProbe}`);
    this.dim = dim;
    this.kernels = options.kernels;
    this.seed = seed;
    this.cells = trained ? checkTrained(trained, dim) : null;
    this.index = this.cells ? this.cellIndex(this.cells.centroids) : this.flatIndex();
  }

  get size(): number {
    return this.live.size;
  }

  /** Rows the last search scored (int8 over probed cells, plus any exact scan): its cost. */
  get lastScored(): number {
    return this.scored;
  }

  has(row: number): boolean {
    return this.live.has(row);
  }

  /** Adds a row (stored unit-normalised); trains or retrains the cells when the size calls for it. */
  insert(row: number, vector: Float32Array): void {
    if (this.live.has(row)) throw new LshError('bad_params', `row ${row} is already stored`);
    checkedNorm(vector, this.dim, 'vector');
    this.index.insert(row, vector);
    this.live.add(row);
    const n = this.live.size;
    // Tiny shards need no cells: one scan of ≤ trainAt rows costs about what scoring the centroids
    // and a few cells would. Once trained, retrain at each doubling so cells stay ~√n/2 rows and
    // follow the data; the amortised cost per insert stays constant.
    if (this.cells ? n >= 2 * this.cells.trainedAt : n >= this.trainAt) this.train();
  }

  delete(row: number): boolean {
    if (!this.live.delete(row)) return false;
    this.index.delete(row);
    return true;
  }

  /** The k rows most similar to query by cosine, best first. */
  search(query: Float32Array, k: number, options: ShardSearchOptions = {}): ShardHit[] {
    checkedNorm(query, this.dim, 'query');
    checkK(k);
    const { accept, nprobe: given } = options;
    if (given !== undefined && (!Number.isInteger(given) || given < 1))
      throw new LshError('bad_params', `nprobe must be a positive integer, got ${given}`);
    if (options.exact) return this.exactSearch(query, k, accept);
    this.scored = 0;
    if (k === 0 || this.live.size === 0) return [];
    const cellCount = this.index.cellCount;
    const nprobe = Math.min(cellCount, given ?? this.defaultProbe(cellCount));
    if (!accept) {
      const found = this.index.search(query, k, { nprobe });
      this.scored = this.index.lastStats.scored;
      return hitsOf(found);
    }
    // A filter hides candidates, so fetch more than k, then widen once: twice the cells and as many
    // candidates as the acceptance seen so far suggests. Past that, an exact scan of the accepted
    // rows, so a selective filter still gets k results when k exist.
    let fetch = Math.min(this.live.size, FILTER_OVERFETCH * k);
    let probe = nprobe;
    for (let pass = 0; pass < 2; pass++) {
      const found = this.index.search(query, fetch, { nprobe: probe, recheck: fetch });
      this.scored += this.index.lastStats.scored;
      const kept = hitsOf(found).filter((h) => accept(h.row));
      if (kept.length >= k) return kept.slice(0, k);
      probe = Math.min(cellCount, 2 * probe);
      fetch = Math.min(this.live.size, Math.ceil((2 * k * fetch) / Math.max(1, kept.length)));
    }
    const scored = this.scored;
    const exact = this.exactSearch(query, k, accept);
    this.scored += scored;
    return exact;
  }

  /** Brute force: f32 cosine of the query with every (accepted) row's dequantized codes. */
  exactSearch(query: Float32Array, k: number, accept?: (row: number) => boolean): ShardHit[] {
    const unit = unitCopy(query, this.dim, 'query');
    checkK(k);
    const d = this.dim;
    const ids = new Float64Array(this.live.size);
    const scores = new Float32Array(this.live.size);
    let n = 0;
    for (let c = 0; c < this.index.cellCount; c++) {
      const view = this.index.cellView(c);
      const rows = this.index.cellRowsF32(c);
      if (!accept) {
        this.kernels.dotBatchF32(unit, rows, scores.subarray(n, n + view.ids.length));
        ids.set(view.ids, n);
        n += view.ids.length;
        continue;
      }
      for (let i = 0; i < view.ids.length; i++) {
        const row = view.ids[i]!;
        if (!accept(row)) continue;
        ids[n] = row;
        scores[n++] = this.kernels.dotF32(unit, rows.subarray(i * d, i * d + d));
      }
    }
    this.scored = n;
    if (n === 0 || k === 0) return [];
    const top = this.kernels.topK(scores.subarray(0, n), k);
    return Array.from(top.indices, (j, i) => ({ row: ids[j]!, score: top.scores[i]! }));
  }

  /** The cells to persist; null while the shard is small enough to scan whole. */
  trained(): TrainedCells | null {
    return this.cells;
  }

  /** Every row as [row, vector], cell by cell: the stored int8 codes dequantized. */
  *rows(): IterableIterator<[number, Float32Array]> {
    const d = this.dim;
    for (let c = 0; c < this.index.cellCount; c++) {
      const ids = this.index.cellView(c).ids;
      const rows = this.index.cellRowsF32(c);
      for (let i = 0; i < ids.length; i++) yield [ids[i]!, rows.subarray(i * d, i * d + d)];
    }
  }

  /** Cells probed when the caller names none: the recall share, at least minProbe, at most all. */
  private defaultProbe(cellCount: number): number {
    return Math.min(cellCount, Math.max(this.minProbe, Math.ceil(this.recallFraction * cellCount)));
  }

  /**
   * Below trainAt the index is one cell: every query scores every row with one fused int8 kernel
   * call and re-checks the best 4·k in f32. The single centroid is never compared with anything.
   */
  private flatIndex(): IvfIndex {
    return new IvfIndex(
      { dim: this.dim, nprobe: 1, recheckCodes: true },
      new Float32Array(this.dim),
      this.kernels,
    );
  }

  private cellIndex(centroids: Float32Array): IvfIndex {
    const count = centroids.length / this.dim;
    // Only the int8 codes are kept (a quarter of f32's bytes): the winners are re-checked against
    // the f32 query with their codes dequantized, and retraining and splits read the codes back.
    // A shard reloaded from SQLite holds the same codes, so answers do not change with a reload.
    return new IvfIndex(
      { dim: this.dim, nprobe: this.defaultProbe(count), recheckCodes: true },
      centroids,
      this.kernels,
    );
  }

  /** k-means on a sample of the stored rows, then every row re-inserted into the new cells. */
  private train(): void {
    const d = this.dim;
    const n = this.live.size;
    const ids = new Float64Array(n);
    const units = new Float32Array(n * d);
    let r = 0;
    for (const [row, unit] of this.rows()) {
      ids[r] = row;
      units.set(unit, r * d);
      r++;
    }
    const count = chooseCells(n);
    const rng = seededRng((this.seed + Math.imul(n, 0x9e3779b1)) >>> 0);
    const sample = evenSample(units, d, n, Math.min(n, TRAIN_ROWS_PER_CELL * count));
    const centroids = trainCentroids(this.kernels, sample, d, count, TRAIN_ITERATIONS, rng);
    const index = this.cellIndex(centroids);
    index.insertMany(ids, units);
    this.index = index;
    this.cells = { centroids, trainedAt: n };
  }
}

function hitsOf(found: { ids: number[]; scores: number[] }): ShardHit[] {
  return found.ids.map((row, i) => ({ row, score: found.scores[i]! }));
}

/**
 * `take` rows spread evenly over the n rows. The rows come cell by cell, so the sample keeps each
 * old cell's share: a stratified sample, which k-means needs more than a random one.
 */
function evenSample(units: Float32Array, dim: number, n: number, take: number): Float32Array {
  if (take >= n) return units;
  const out = new Float32Array(take * dim);
  for (let i = 0; i < take; i++) {
    const r = Math.floor((i * n) / take);
    out.set(units.subarray(r * dim, r * dim + dim), i * dim);
  }
  return out;
}

function checkTrained(trained: TrainedCells, dim: number): TrainedCells {
  const { centroids, trainedAt } = trained;
  if (centroids.length === 0 || centroids.length % dim !== 0)
    throw new LshError('corrupt', `persisted centroids are not whole rows of ${dim}`);
  rejectNonFinite('persisted centroids', centroids);
  if (!Number.isSafeInteger(trainedAt) || trainedAt < 1)
    throw new LshError(
      'corrupt',
      `persisted trainedAt must be a positive integer, got ${trainedAt}`,
    );
  return trained;
}
