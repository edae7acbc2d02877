// Slot storage for vectors: int8 codes of the unit vector with their scale, the original norm, and
// optionally the unit f32 vector. Ids map to slots; freed slots are reused, so every operation is O(1)
// (amortized for growth).
import { LshError } from './errors.ts';

export class VectorStore {
  readonly dim: number;
  readonly keepF32: boolean;
  rows: Int8Array;
  scales: Float32Array;
  norms: Float32Array;
  unit: Float32Array;
  ids: Float64Array;
  private readonly slotOf = new Map<number, number>();
  private readonly free: number[] = [];
  private used = 0;

  constructor(dim: number, keepF32: boolean, capacity = 64) {
    this.dim = dim;
    this.keepF32 = keepF32;
    this.rows = new Int8Array(capacity * dim);
    this.scales = new Float32Array(capacity);
    this.norms = new Float32Array(capacity);
    this.unit = new Float32Array(keepF32 ? capacity * dim : 0);
    this.ids = new Float64Array(capacity);
  }

  get size(): number {
    return this.slotOf.size;
  }

  /** Slots ever handed out (live and free); loops over slots stop here. */
  get highWater(): number {
    return this.used;
  }

  get capacity(): number {
    return this.scales.length;
  }

  slot(id: number): number | undefined {
    return this.slotOf.get(id);
  }

  has(id: number): boolean {
    return this.slotOf.has(id);
  }

  /** Reserves a slot for a new id; the caller fills rows/scales/norms through the public arrays. */
  allocate(id: number): number {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw new LshError('bad_params', `ids are non-negative safe integers, got ${id}`);
    }
    if (this.slotOf.has(id)) throw new LshError('bad_params', `id ${id} is already stored`);
    let s = this.free.pop();
    if (s === undefined) {
      if (this.used === this.capacity) this.grow(this.capacity * 2);
      s = this.used++;
    }
    this.slotOf.set(id, s);
    this.ids[s] = id;
    return s;
  }

  release(id: number): number {
    const s = this.slotOf.get(id);
    if (s === undefined) throw new LshError('unknown_id', `id ${id} is not stored`);
    this.slotOf.delete(id);
    this.scales[s] = 0;
    this.norms[s] = 0;
    this.free.push(s);
    return s;
  }

  /** Slots currently holding an id. */
  *liveSlots(): Generator<number> {
    for (const s of this.slotOf.values()) yield s;
  }

  private grow(capacity: number): void {
    const d = this.dim;
    const rows = new Int8Array(capacity * d);
    rows.set(this.rows);
    this.rows = rows;
    const scales = new Float32Array(capacity);
    scales.set(this.scales);
    this.scales = scales;
    const norms = new Float32Array(capacity);
    norms.set(this.norms);
    this.norms = norms;
    const ids = new Float64Array(capacity);
    ids.set(this.ids);
    this.ids = ids;
    if (this.keepF32) {
      const unit = new Float32Array(capacity * d);
      unit.set(this.unit);
      this.unit = unit;
    }
  }
}
