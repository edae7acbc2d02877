// Compact binary snapshot of an IvfIndex, for Durable Object rows (split with toRows/fromRows).
//
// Layout (little-endian; every section starts 8-byte aligned):
//   header  u32×12: magic "PXIV", version, dim, cells, nprobe,
//                   flags (bit0 keepF32, bit1 sketch, bit2 recheckCodes),
//                   sketchBits, sketchRerank, count, byteLength, fnv1a, reserved
//   centroids f32[cells·dim]     planes f32[sketchBits·dim] (sketch only)
//   cellLen   u32[cells]         then, in cell order:
//   ids f64[count]  scales f32[count]  rows i8[count·dim]  codes u32[count·words] (sketch only)
//   unit f32[count·dim] (keepF32 only)
import type { VectorKernels } from './kernels.ts';
import { LshError } from './errors.ts';
import { IvfIndex } from './ivf-index.ts';
import { fnv1a } from './serialize.ts';

const MAGIC = 0x56495850; // "PXIV"
const VERSION = 1;
const HEADER = 48;
const align8 = (n: number): number => (n + 7) & ~7;

function layout(dim: number, cells: number, bits: number, count: number, f32: boolean) {
  const words = (bits + 31) >>> 5;
  let at = HEADER;
  const take = (bytes: number): number => {
    const start = at;
    at = align8(at + bytes);
    return start;
  };
  return {
    centroids: take(cells * dim * 4),
    planes: take(bits * dim * 4),
    cellLen: take(cells * 4),
    ids: take(count * 8),
    scales: take(count * 4),
    rows: take(count * dim),
    codes: take(count * words * 4),
    unit: take(f32 ? count * dim * 4 : 0),
    words,
    get total(): number {
      return at;
    },
  };
}

export function serializeIvf(index: IvfIndex): Uint8Array {
  const { dim, nprobe, sketch, keepF32, recheckCodes } = index.params;
  const cells = index.cellCount;
  const bits = sketch?.bits ?? 0;
  const count = index.size;
  const lay = layout(dim, cells, bits, count, keepF32 ?? false);
  const buf = new ArrayBuffer(lay.total);
  new Float32Array(buf, lay.centroids, cells * dim).set(index.centroids);
  if (sketch) new Float32Array(buf, lay.planes, bits * dim).set(sketch.planes);
  const cellLen = new Uint32Array(buf, lay.cellLen, cells);
  let at = 0;
  for (let c = 0; c < cells; c++) {
    const v = index.cellView(c);
    const n = v.ids.length;
    cellLen[c] = n;
    new Float64Array(buf, lay.ids + at * 8, n).set(v.ids);
    new Float32Array(buf, lay.scales + at * 4, n).set(v.scales);
    new Int8Array(buf, lay.rows + at * dim, n * dim).set(v.rows);
    if (sketch) new Uint32Array(buf, lay.codes + at * lay.words * 4, n * lay.words).set(v.codes);
    if (keepF32) new Float32Array(buf, lay.unit + at * dim * 4, n * dim).set(v.unit);
    at += n;
  }
  const head = new DataView(buf);
  const flags = (keepF32 ? 1 : 0) | (sketch ? 2 : 0) | (recheckCodes ? 4 : 0);
  [MAGIC, VERSION, dim, cells, nprobe, flags, bits, sketch?.rerank ?? 0, count, lay.total].forEach(
    (v, j) => head.setUint32(j * 4, v, true),
  );
  const u8 = new Uint8Array(buf);
  head.setUint32(40, fnv1a(u8.subarray(HEADER)), true);
  return u8;
}

export function deserializeIvf(bytes: Uint8Array, kernels: VectorKernels): IvfIndex {
  if (bytes.length < HEADER) throw new LshError('corrupt', 'snapshot shorter than its header');
  const buf = bytes.slice().buffer;
  const head = new DataView(buf);
  const u32 = (j: number): number => head.getUint32(j * 4, true);
  if (u32(0) !== MAGIC) throw new LshError('corrupt', 'not an IVF snapshot (bad magic)');
  if (u32(1) !== VERSION) throw new LshError('corrupt', `unsupported snapshot version ${u32(1)}`);
  const [dim, cells, nprobe, flags, bits, rerank, count, total] = [2, 3, 4, 5, 6, 7, 8, 9].map(
    u32,
  ) as [number, number, number, number, number, number, number, number];
  const keepF32 = (flags & 1) === 1;
  const hasSketch = (flags & 2) === 2;
  const recheckCodes = (flags & 4) === 4;
  const lay = layout(dim, cells, bits, count, keepF32);
  if (total !== bytes.length || lay.total !== total) {
    throw new LshError('corrupt', `snapshot is ${bytes.length} bytes, header says ${total}`);
  }
  if (fnv1a(new Uint8Array(buf, HEADER)) !== u32(10))
    throw new LshError('corrupt', 'snapshot checksum mismatch');
  const centroids = new Float32Array(buf, lay.centroids, cells * dim).slice();
  const sketch = hasSketch
    ? { planes: new Float32Array(buf, lay.planes, bits * dim).slice(), bits, rerank }
    : undefined;
  const index = new IvfIndex(
    {
      dim,
      nprobe,
      keepF32,
      ...(recheckCodes ? { recheckCodes } : {}),
      ...(sketch ? { sketch } : {}),
    },
    centroids,
    kernels,
  );
  const cellLen = new Uint32Array(buf, lay.cellLen, cells);
  let at = 0;
  for (let c = 0; c < cells; c++) {
    const n = cellLen[c]!;
    if (at + n > count) throw new LshError('corrupt', 'cell lengths exceed the vector count');
    index.restoreRows(
      c,
      new Float64Array(buf, lay.ids + at * 8, n),
      new Float32Array(buf, lay.scales + at * 4, n),
      new Int8Array(buf, lay.rows + at * dim, n * dim),
      new Uint32Array(buf, lay.codes + at * lay.words * 4, hasSketch ? n * lay.words : 0),
      keepF32 ? new Float32Array(buf, lay.unit + at * dim * 4, n * dim) : undefined,
    );
    at += n;
  }
  return index;
}
