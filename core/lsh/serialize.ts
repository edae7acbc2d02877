// Compact binary snapshot of an LshIndex, split into rows that fit a Durable Object (≤ 2 MB each).
//
// Layout (little-endian; every section starts 8-byte aligned):
//   header  u32×10: magic "PXLS", version, dim, tables, bits, probes, flags, count, byteLength, fnv1a
//   planes  f32[tables·bits·dim]
//   ids     f64[count]
//   scales  f32[count]    norms f32[count]
//   keys    u32[count·tables]          (bucket of each vector in each table; buckets rebuild on load)
//   rows    i8[count·dim]              (int8 codes of the unit vectors)
//   unit    f32[count·dim]             (only with flags bit 0 = keepF32)
// The checksum covers every byte after the header, so a lost or reordered chunk is detected.
import type { VectorKernels } from './kernels.ts';
import { LshError } from './errors.ts';
import { LshIndex } from './lsh-index.ts';

const MAGIC = 0x534c5850; // "PXLS"
const VERSION = 1;
const HEADER = 40;
/** Durable Object rows are capped at 2 MB; stay a little under. */
export const MAX_ROW_BYTES = 2_000_000;

const align8 = (n: number): number => (n + 7) & ~7;

export function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

function layout(dim: number, L: number, bits: number, count: number, f32: boolean) {
  let at = HEADER;
  const take = (bytes: number): number => {
    const start = at;
    at = align8(at + bytes);
    return start;
  };
  const planes = take(L * bits * dim * 4);
  const ids = take(count * 8);
  const scales = take(count * 4);
  const norms = take(count * 4);
  const keys = take(count * L * 4);
  const rows = take(count * dim);
  const unit = take(f32 ? count * dim * 4 : 0);
  return { planes, ids, scales, norms, keys, rows, unit, total: at };
}

export function serializeIndex(index: LshIndex): Uint8Array {
  const { dim, tables: L, bits, probes } = index.params;
  const f32 = index.store.keepF32;
  const count = index.size;
  const lay = layout(dim, L, bits, count, f32);
  const buf = new ArrayBuffer(lay.total);
  const u8 = new Uint8Array(buf);
  new Float32Array(buf, lay.planes, L * bits * dim).set(index.planes);
  const ids = new Float64Array(buf, lay.ids, count);
  const scales = new Float32Array(buf, lay.scales, count);
  const norms = new Float32Array(buf, lay.norms, count);
  const keys = new Uint32Array(buf, lay.keys, count * L);
  const st = index.store;
  let i = 0;
  for (const s of st.liveSlots()) {
    ids[i] = st.ids[s]!;
    scales[i] = st.scales[s]!;
    norms[i] = st.norms[s]!;
    keys.set(index.keys.subarray(s * L, s * L + L), i * L);
    u8.set(new Uint8Array(st.rows.buffer, st.rows.byteOffset + s * dim, dim), lay.rows + i * dim);
    if (f32)
      new Float32Array(buf, lay.unit + i * dim * 4, dim).set(
        st.unit.subarray(s * dim, s * dim + dim),
      );
    i++;
  }
  const head = new DataView(buf);
  const fields = [MAGIC, VERSION, dim, L, bits, probes, f32 ? 1 : 0, count, lay.total];
  fields.forEach((v, j) => head.setUint32(j * 4, v, true));
  head.setUint32(36, fnv1a(u8.subarray(HEADER)), true);
  return u8;
}

export function deserializeIndex(bytes: Uint8Array, kernels: VectorKernels): LshIndex {
  if (bytes.length < HEADER) throw new LshError('corrupt', 'snapshot shorter than its header');
  // Copy so the typed-array sections are aligned whatever the caller's buffer offset is.
  const buf = bytes.slice().buffer;
  const head = new DataView(buf);
  const u32 = (j: number): number => head.getUint32(j * 4, true);
  if (u32(0) !== MAGIC) throw new LshError('corrupt', 'not an LSH snapshot (bad magic)');
  if (u32(1) !== VERSION) throw new LshError('corrupt', `unsupported snapshot version ${u32(1)}`);
  const [dim, L, bits, probes, flags, count, total] = [
    u32(2),
    u32(3),
    u32(4),
    u32(5),
    u32(6),
    u32(7),
    u32(8),
  ];
  const f32 = (flags & 1) === 1;
  const lay = layout(dim, L, bits, count, f32);
  if (total !== bytes.length || lay.total !== total) {
    throw new LshError('corrupt', `snapshot is ${bytes.length} bytes, header says ${total}`);
  }
  if (fnv1a(new Uint8Array(buf, HEADER)) !== u32(9))
    throw new LshError('corrupt', 'snapshot checksum mismatch');
  const planes = new Float32Array(buf, lay.planes, L * bits * dim).slice();
  const index = new LshIndex({ dim, tables: L, bits, probes, keepF32: f32 }, planes, kernels);
  const ids = new Float64Array(buf, lay.ids, count);
  const scales = new Float32Array(buf, lay.scales, count);
  const norms = new Float32Array(buf, lay.norms, count);
  const keys = new Uint32Array(buf, lay.keys, count * L);
  for (let i = 0; i < count; i++) {
    const row = new Int8Array(buf, lay.rows + i * dim, dim);
    const unit = f32 ? new Float32Array(buf, lay.unit + i * dim * 4, dim) : undefined;
    index.restore(ids[i]!, row, scales[i]!, norms[i]!, keys.subarray(i * L, i * L + L), unit);
  }
  return index;
}

/** Splits a snapshot into rows of at most maxBytes for Durable Object storage. */
export function toRows(bytes: Uint8Array, maxBytes = MAX_ROW_BYTES): Uint8Array[] {
  if (!(maxBytes > 0)) throw new LshError('bad_params', 'maxBytes must be positive');
  const rows: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += maxBytes) rows.push(bytes.subarray(at, at + maxBytes));
  return rows;
}

/** Joins rows back (in order); the checksum in the header catches a missing or swapped row. */
export function fromRows(rows: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(rows.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of rows) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}
