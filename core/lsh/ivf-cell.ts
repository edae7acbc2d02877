// One IVF cell: its rows stored contiguously (int8 codes, scales, ids, optional sketches and f32
// rows), so a query scores the whole cell with one kernel call. Grows by doubling.

export class Cell {
  rows: Int8Array;
  scales: Float32Array;
  ids: Float64Array;
  codes: Uint32Array;
  unit: Float32Array;
  len = 0;
  constructor(dim: number, words: number, f32: boolean) {
    this.unit = new Float32Array(f32 ? 8 * dim : 0);
    this.rows = new Int8Array(8 * dim);
    this.scales = new Float32Array(8);
    this.ids = new Float64Array(8);
    this.codes = new Uint32Array(8 * words);
  }
  grow(dim: number, words: number): void {
    const cap = this.scales.length * 2;
    if (this.unit.length > 0) {
      const unit = new Float32Array(cap * dim);
      unit.set(this.unit);
      this.unit = unit;
    }
    const rows = new Int8Array(cap * dim);
    rows.set(this.rows);
    this.rows = rows;
    const scales = new Float32Array(cap);
    scales.set(this.scales);
    this.scales = scales;
    const ids = new Float64Array(cap);
    ids.set(this.ids);
    this.ids = ids;
    const codes = new Uint32Array(cap * words);
    codes.set(this.codes);
    this.codes = codes;
  }
}
