// The LSH index: L tables of k-bit random-hyperplane keys over one vector store. Multi-probe visits
// the lowest-margin flips first; candidates are re-ranked exactly. Insert/delete/update are O(L).
import type { VectorKernels } from './kernels.ts';
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
  private readonly tables: Map<number, number[]>[];
  private readonly kernels: VectorKernels;
  private readonly rerank: Reranker;
  private seen = new Uint32Array(0);
  private epoch = 0;
  private cand = new Uint32Array(1024);
  readonly lastStats: SearchStats = { candidates: 0 };

  /** planes: tables·bits hyperplanes of dim values each (see randomHyperplanes). */
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
    this.tables = Array.from({ length: params.tables }, () => new Map<number, number[]>());
    this.rerank = new Reranker(kernels);
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
    const { unit, norm } = toUnit(this.kernels, v, this.params.dim);
    const code = this.kernels.simhash(unit, this.planes, this.params.tables * this.params.bits);
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
      const key: number = this.keys[s * L + t]!;
      const table: Map<number, number[]> = this.tables[t]!;
      const bucket: number[] = table.get(key)!;
      const at: number = this.pos[s * L + t]!;
      const last: number = bucket.pop()!;
      if (last !== s) {
        bucket[at] = last;
        this.pos[last * L + t] = at;
      }
      if (bucket.length === 0) table.delete(key);
    }
    this.store.release(id);
  }

  update(id: number, v: Float32Array): void {
    if (!this.store.has(id)) throw new LshError('unknown_id', `id ${id} is not stored`);
    this.upsert(id, v);
  }

  search(query: Float32Array, k: number, opts: SearchOptions = {}): Hits {
    const { params, kernels } = this;
    const { unit } = toUnit(kernels, query, params.dim);
    const L = params.tables;
    const bits = params.bits;
    const proj = new Float32Array(L * bits);
    const code = kernels.simhash(unit, this.planes, L * bits, proj);
    const probes = opts.probes ?? params.probes;
    if (this.seen.length < this.store.capacity) this.seen = new Uint32Array(this.store.capacity);
    this.epoch = (this.epoch + 1) >>> 0 || 1;
    let n = 0;
    for (let t = 0; t < L; t++) {
      const table = this.tables[t]!;
      for (const key of probeKeys(keyOf(code, t * bits, bits), proj, t * bits, bits, probes)) {
        const bucket = table.get(key);
        if (!bucket) continue;
        if (n + bucket.length > this.cand.length) this.growCand(n + bucket.length);
        for (const s of bucket) {
          if (this.seen[s] === this.epoch) continue;
          this.seen[s] = this.epoch;
          this.cand[n++] = s;
        }
      }
    }
    this.lastStats.candidates = n;
    return this.rerank.rank(
      this.store,
      prepareQuery(kernels, unit),
      this.cand,
      n,
      k,
      opts.recheck ?? 4 * k,
    );
  }

  /** Approximate bytes held: typed arrays, plus an estimate of Map/array overhead per bucket. */
  memoryBytes(): number {
    const st = this.store;
    const typed =
      st.rows.byteLength +
      st.scales.byteLength +
      st.norms.byteLength +
      st.unit.byteLength +
      st.ids.byteLength;
    const { buckets } = this.bucketStats();
    return (
      typed +
      this.keys.byteLength +
      this.pos.byteLength +
      this.planes.byteLength +
      buckets * 80 +
      this.size * 64
    );
  }

  /** Bucket occupancy, for tuning and the bench. */
  bucketStats(): { buckets: number; maxBucket: number } {
    let buckets = 0;
    let maxBucket = 0;
    for (const t of this.tables) {
      buckets += t.size;
      for (const b of t.values()) maxBucket = Math.max(maxBucket, b.length);
    }
    return { buckets, maxBucket };
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
    const table = this.tables[t]!;
    let bucket = table.get(key);
    if (!bucket) table.set(key, (bucket = []));
    this.keys[s * L + t] = key;
    this.pos[s * L + t] = bucket.length;
    bucket.push(s);
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
