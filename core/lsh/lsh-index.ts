// The LSH index: L tables of k-bit random-hyperplane keys over one vector store. Multi-probe visits
// the lowest-margin flips first; candidates are re-ranked exactly. Insert/delete/update are O(L).
// Tables live in typed arrays (buckets.ts), the planes in kernel memory, and a search reuses its
// scratch arrays, so a lookup at a million entries allocates little and stalls the GC little.
import type { SimHasher, VectorKernels } from './kernels.ts';
import {
  BUCKET_LEN,
  BUCKET_START,
  BucketTables,
  type DenseDirectory,
  type Directory,
} from './buckets.ts';
import { LshError } from './errors.ts';
import { type LshParams, validateParams } from './params.ts';
import { probeKeys } from './probes.ts';
import { VectorStore } from './store.ts';
import { toUnit } from './encode.ts';
import { type Hits, prepareQuery, Reranker } from './rerank.ts';

export interface SearchOptions {
  /** Overrides params.probes for this query. */
  readonly probes?: number;
  /** Re-check this many int8 winners with f32 (needs keepF32); 0 disables. Default 4·k. */
  readonly recheck?: number;
}

export interface SearchStats {
  candidates: number;
}

export class LshIndex {
  readonly params: LshParams;
  readonly planes: Float32Array;
  readonly store: VectorStore;
  /** keys[slot·L + t]: the bucket of each slot in table t (needed for O(1) delete and for saving). */
  keys: Uint32Array;
  /** pos[slot·L + t]: where the slot sits inside that bucket. */
  private pos: Uint32Array;
  private readonly tables: BucketTables;
  private readonly kernels: VectorKernels;
  /** The planes, resident in kernel memory: every insert and search hashes with them. */
  private readonly hasher: SimHasher;
  private readonly rerank: Reranker;
  /** One bit per slot: visited in the search in progress (small enough to stay in L1). */
  private seen = new Int32Array(0);
  private cand = new Uint32Array(1024);
  /** Per-call scratch (a search or insert never keeps them): unit vector, projections, int8 code. */
  private readonly unitBuf: Float32Array;
  private readonly projBuf: Float32Array;
  private readonly q8Buf: Int8Array;
  /** Each table's home key, then its directory offset (-1: none), in the search in progress. */
  private readonly homeAt: Int32Array;
  /** Sink of the prefetch reads in collectHomes, so the compiler keeps them. */
  private touched = 0;
  readonly lastStats: SearchStats = { candidates: 0 };

  /** planes: tables·bits hyperplanes of dim values each (see randomHyperplanes); kept, must not change. */
  constructor(params: LshParams, planes: Float32Array, kernels: VectorKernels) {
    validateParams(params);
    if (planes.length !== params.tables * params.bits * params.dim) {
      throw new LshError(
        'bad_params',
        `planes must hold tables·bits·dim = ${params.tables * params.bits * params.dim} values`,
      );
    }
    this.params = params;
    this.planes = planes;
    this.kernels = kernels;
    this.store = new VectorStore(params.dim, params.keepF32 ?? false);
    this.keys = new Uint32Array(this.store.capacity * params.tables);
    this.pos = new Uint32Array(this.store.capacity * params.tables);
    this.tables = new BucketTables(params.tables, params.bits);
    this.hasher = kernels.simhasher(planes, params.tables * params.bits);
    this.rerank = new Reranker(kernels);
    this.unitBuf = new Float32Array(params.dim);
    this.projBuf = new Float32Array(params.tables * params.bits);
    this.q8Buf = new Int8Array(params.dim);
    this.homeAt = new Int32Array(params.tables);
  }

  get size(): number {
    return this.store.size;
  }

  has(id: number): boolean {
    return this.store.has(id);
  }

  /** Inserts, or replaces the vector of an existing id. */
  upsert(id: number, v: Float32Array): void {
    if (this.store.has(id)) this.delete(id);
    this.insert(id, v);
  }

  insert(id: number, v: Float32Array): void {
    const { unit, norm } = toUnit(this.kernels, v, this.params.dim, this.unitBuf);
    const code = this.hasher.hash(unit);
    const s = this.store.allocate(id);
    this.fill(s, unit, norm);
    this.ensureKeys();
    this.link(s, code);
  }

  /** Re-adds a slot whose codes are known (loading a snapshot). */
  restore(
    id: number,
    row: Int8Array,
    scale: number,
    norm: number,
    keys: Uint32Array,
    unit?: Float32Array,
  ): void {
    const s = this.store.allocate(id);
    const d = this.params.dim;
    this.store.rows.set(row, s * d);
    this.store.scales[s] = scale;
    this.store.norms[s] = norm;
    if (unit && this.store.keepF32) this.store.unit.set(unit, s * d);
    this.ensureKeys();
    const L = this.params.tables;
    for (let t = 0; t < L; t++) this.place(s, t, keys[t]!);
  }

  delete(id: number): void {
    const s = this.store.slot(id);
    if (s === undefined) throw new LshError('unknown_id', `id ${id} is not stored`);
    const L = this.params.tables;
    for (let t = 0; t < L; t++) {
      const at = this.pos[s * L + t]!;
      const moved = this.tables.remove(t, this.keys[s * L + t]!, at);
      if (moved >= 0) this.pos[moved * L + t] = at;
    }
    this.store.release(id);
  }

  update(id: number, v: Float32Array): void {
    if (!this.store.has(id)) throw new LshError('unknown_id', `id ${id} is not stored`);
    this.upsert(id, v);
  }

  search(query: Float32Array, k: number, opts: SearchOptions = {}): Hits {
    const { params, kernels } = this;
    const { unit } = toUnit(kernels, query, params.dim, this.unitBuf);
    const L = params.tables;
    const bits = params.bits;
    const proj = this.projBuf;
    const code = this.hasher.hash(unit, proj);
    const probes = opts.probes ?? params.probes;
    const words = (this.store.capacity + 31) >>> 5;
    if (this.seen.length < words) this.seen = new Int32Array(words);
    else this.seen.fill(0, 0, words);
    let n = 0;
    if (probes <= 0) n = this.collectHomes(code);
    else
      for (let t = 0; t < L; t++) {
        const home = keyOf(code, t * bits, bits);
        for (const key of probeKeys(home, proj, t * bits, bits, probes))
          n = this.collect(t, key, n);
      }
    this.lastStats.candidates = n;
    return this.rerank.rank(
      this.store,
      prepareQuery(kernels, unit, this.q8Buf),
      this.cand,
      n,
      k,
      opts.recheck ?? 4 * k,
    );
  }

  /**
   * The home buckets of every table into cand[0..n), in table order. The directory lookups of all
   * tables go first, then a read of each bucket's first slot, then the copying: each phase's loads
   * are independent, so their cache misses overlap instead of queueing one table at a time.
   */
  private collectHomes(code: Uint32Array): number {
    const { tables: L, bits } = this.params;
    const { dirs } = this.tables;
    const at = this.homeAt;
    for (let t = 0; t < L; t++) at[t] = keyOf(code, t * bits, bits);
    for (let t = 0; t < L; t++) at[t] = dirs[t]!.find(at[t]!);
    const pool = this.tables.pool;
    let touched = 0;
    for (let t = 0; t < L; t++) {
      const e = at[t]!;
      if (e >= 0) touched ^= pool[dirs[t]!.entries[e + BUCKET_START]!]!;
    }
    this.touched ^= touched;
    let n = 0;
    for (let t = 0; t < L; t++) if (at[t]! >= 0) n = this.collectAt(dirs[t]!, at[t]!, n);
    return n;
  }

  /** Appends the slots of bucket key of table t not seen yet in this search to cand[n..]. */
  private collect(t: number, key: number, n: number): number {
    const dir = this.tables.dirs[t]!;
    const e = dir.find(key);
    return e < 0 ? n : this.collectAt(dir, e, n);
  }

  /** collect() for the bucket at directory offset e. */
  private collectAt(dir: Directory | DenseDirectory, e: number, n: number): number {
    const len = dir.entries[e + BUCKET_LEN]!;
    if (n + len > this.cand.length) this.growCand(n + len);
    const { seen, cand } = this;
    const pool = this.tables.pool;
    for (let i = dir.entries[e + BUCKET_START]!, end = i + len; i < end; i++) {
      const s = pool[i]!;
      const bit = 1 << (s & 31);
      if ((seen[s >>> 5]! & bit) !== 0) continue;
      seen[s >>> 5]! |= bit;
      cand[n++] = s;
    }
    return n;
  }

  /** Approximate bytes held: typed arrays, plus an estimate of the id → slot map per entry. */
  memoryBytes(): number {
    const st = this.store;
    const typed =
      st.rows.byteLength +
      st.scales.byteLength +
      st.norms.byteLength +
      st.unit.byteLength +
      st.ids.byteLength;
    return (
      typed +
      this.keys.byteLength +
      this.pos.byteLength +
      this.planes.byteLength +
      this.tables.byteLength +
      this.size * 64
    );
  }

  /** Bucket occupancy, for tuning and the bench. */
  bucketStats(): { buckets: number; maxBucket: number } {
    return this.tables.stats();
  }

  private fill(s: number, unit: Float32Array, norm: number): void {
    const d = this.params.dim;
    const row = this.store.rows.subarray(s * d, s * d + d);
    this.store.scales[s] = this.kernels.quantizeI8(unit, row);
    this.store.norms[s] = norm;
    if (this.store.keepF32) this.store.unit.set(unit, s * d);
  }

  private link(s: number, code: Uint32Array): void {
    const { tables: L, bits } = this.params;
    for (let t = 0; t < L; t++) this.place(s, t, keyOf(code, t * bits, bits));
  }

  private place(s: number, t: number, key: number): void {
    const L = this.params.tables;
    this.keys[s * L + t] = key;
    this.pos[s * L + t] = this.tables.add(t, key, s);
  }

  private ensureKeys(): void {
    const need = this.store.capacity * this.params.tables;
    if (this.keys.length >= need) return;
    const keys = new Uint32Array(need);
    keys.set(this.keys);
    this.keys = keys;
    const pos = new Uint32Array(need);
    pos.set(this.pos);
    this.pos = pos;
  }

  private growCand(n: number): void {
    const c = new Uint32Array(Math.max(n, this.cand.length * 2));
    c.set(this.cand);
    this.cand = c;
  }
}

/** Bits [from, from+bits) of a packed code as an integer key. */
export function keyOf(code: Uint32Array, from: number, bits: number): number {
  let key = 0;
  for (let j = 0; j < bits; j++) {
    const b = from + j;
    key |= ((code[b >>> 5]! >>> (b & 31)) & 1) << j;
  }
  return key >>> 0;
}
