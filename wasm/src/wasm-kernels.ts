// The wasm SIMD implementation of VectorKernels. Inputs are copied into a per-call arena, the kernel
// runs on pointers, outputs are copied out. Non-finite input is detected from the (cheap) output and
// only then confirmed by scanning the inputs in wasm. The one exception: simhasher planes stay
// resident below the arena (a bounded cache, see residentF32).
import type { TopK, VectorKernels } from '@proxima/core/lsh';
import {
  checkBits,
  checkK,
  checkOut,
  checkScale,
  nonFinite,
  planesDim,
  rowCount,
  sameLength,
} from '@proxima/core/lsh';
import { Arena } from './arena.ts';
import { wasmApi, type WasmModule } from './wasm-api.ts';

/** The raw exports of build/kernels.wasm (see assembly/index.ts). */
interface KernelExports {
  heapBase(): number;
  dot_f32(a: number, b: number, n: number): number;
  dot_batch_f32(q: number, rows: number, count: number, dim: number, out: number): void;
  cosine_f32(a: number, b: number, n: number): number;
  dot_i8(a: number, b: number, n: number): number;
  dot_matrix_f32(
    qs: number,
    nq: number,
    rows: number,
    count: number,
    dim: number,
    out: number,
  ): void;
  dot_batch_i8(q: number, rows: number, count: number, dim: number, out: number): void;
  score_i8(
    q: number,
    qscale: number,
    rows: number,
    scales: number,
    count: number,
    dim: number,
    out: number,
  ): void;
  quantize_i8(src: number, n: number, dst: number): number;
  simhash(v: number, planes: number, bits: number, dim: number, proj: number, code: number): void;
  hamming(a: number, b: number, words: number): number;
  hamming_batch(q: number, codes: number, count: number, words: number, out: number): void;
  nonfinite_f32(p: number, n: number): number;
  topk(scores: number, n: number, k: number, outIdx: number, outScores: number): number;
}

export interface WasmKernelOptions {
  /** Upper bound of the kernels' linear memory; inputs that need more throw out_of_memory. */
  readonly maxMemoryBytes?: number;
}

/** The wasm kernels plus what a caller may want to observe about their memory. */
export interface WasmKernels extends VectorKernels {
  /** Current size of the linear memory (it only grows, up to maxMemoryBytes, and is reused). */
  memoryBytes(): number;
}

export const DEFAULT_MAX_MEMORY_BYTES = 256 * 1024 * 1024;
const PAGE = 65536;
/** Resident hyperplanes take at most this, and at most 1/8 of maxMemoryBytes. */
const RESIDENT_MAX_BYTES = 16 * 1024 * 1024;

interface Views {
  readonly buffer: ArrayBuffer;
  readonly f32: Float32Array;
  readonly i8: Int8Array;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
}

function makeViews(buffer: ArrayBuffer): Views {
  return {
    buffer,
    f32: new Float32Array(buffer),
    i8: new Int8Array(buffer),
    i32: new Int32Array(buffer),
    u32: new Uint32Array(buffer),
  };
}

/** Instantiates a compiled kernels module (from a file in Node, or a module import in Workers). */
export function createWasmKernels(
  module: WasmModule,
  options: WasmKernelOptions = {},
): WasmKernels {
  const maxBytes = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES;
  const maxPages = Math.max(1, Math.floor(maxBytes / PAGE));
  const memory = new wasmApi.Memory({ initial: 1, maximum: maxPages });
  const instance = new wasmApi.Instance(module, { env: { memory } });
  const k = instance.exports as unknown as KernelExports;
  const arena = new Arena(memory, k.heapBase(), maxPages * PAGE);

  // Views over the memory, rebuilt only after a grow detaches the old buffer.
  let views = makeViews(memory.buffer);
  let viewGen = arena.generation;
  const mem = (): Views => {
    if (viewGen !== arena.generation) {
      views = makeViews(memory.buffer);
      viewGen = arena.generation;
    }
    return views;
  };

  function putF32(src: Float32Array): number {
    const off = arena.alloc(src.length * 4);
    mem().f32.set(src, off >>> 2);
    return off;
  }
  function putI8(src: Int8Array): number {
    const off = arena.alloc(src.length);
    mem().i8.set(src, off);
    return off;
  }
  function putU32(src: Uint32Array): number {
    const off = arena.alloc(src.length * 4);
    mem().u32.set(src, off >>> 2);
    return off;
  }
  const f32 = (off: number, n: number): Float32Array =>
    mem().f32.subarray(off >>> 2, (off >>> 2) + n);
  const i32 = (off: number, n: number): Int32Array =>
    mem().i32.subarray(off >>> 2, (off >>> 2) + n);
  const anyNonFinite = (off: number, n: number): boolean => k.nonfinite_f32(off, n) !== 0;

  // Resident copies by array identity (simhasher planes must not change). When a new one does not
  // fit, all are dropped and each is copied in again on its next use.
  const residentMax = Math.min(RESIDENT_MAX_BYTES, Math.floor(maxBytes / 8));
  let residentEpoch = 0;
  const resident = new WeakMap<Float32Array, { off: number; epoch: number }>();
  /** The offset of src kept in memory, or undefined when it is too large to keep. Between calls only. */
  function residentF32(src: Float32Array): number | undefined {
    const at = resident.get(src);
    if (at && at.epoch === residentEpoch) return at.off;
    if (src.byteLength > residentMax) return undefined;
    if (arena.reservedBytes + src.byteLength > residentMax) {
      arena.dropReserved();
      residentEpoch++;
    }
    const off = arena.reserve(src.byteLength);
    mem().f32.set(src, off >>> 2);
    resident.set(src, { off, epoch: residentEpoch });
    return off;
  }

  /** simhash of v (copied in) against planes already at pp, with the arena reset by the caller. */
  function simhashAt(v: Float32Array, pp: number, bits: number, proj?: Float32Array): Uint32Array {
    const words = (bits + 31) >>> 5;
    const pv = putF32(v);
    const pj = arena.alloc(bits * 4);
    const pc = arena.alloc(words * 4);
    k.simhash(pv, pp, bits, v.length, pj, pc);
    if (anyNonFinite(pj, bits)) throw nonFinite('simhash input');
    if (proj) proj.set(f32(pj, bits));
    return mem().u32.slice(pc >>> 2, (pc >>> 2) + words);
  }

  return {
    name: 'wasm-simd',
    memoryBytes: () => memory.buffer.byteLength,

    dotF32(a, b) {
      sameLength('dotF32', a, b);
      arena.reset();
      const pa = putF32(a);
      const pb = putF32(b);
      const r = k.dot_f32(pa, pb, a.length);
      if (!Number.isFinite(r) && (anyNonFinite(pa, a.length) || anyNonFinite(pb, b.length))) {
        throw nonFinite('dotF32 input');
      }
      return r;
    },

    cosineF32(a, b) {
      sameLength('cosineF32', a, b);
      arena.reset();
      const pa = putF32(a);
      const pb = putF32(b);
      const r = k.cosine_f32(pa, pb, a.length);
      if (Number.isNaN(r) && (anyNonFinite(pa, a.length) || anyNonFinite(pb, b.length))) {
        throw nonFinite('cosineF32 input');
      }
      return r;
    },

    dotI8(a, aScale, b, bScale) {
      sameLength('dotI8', a, b);
      checkScale('dotI8 scale', aScale);
      checkScale('dotI8 scale', bScale);
      arena.reset();
      const pa = putI8(a);
      const pb = putI8(b);
      return aScale * bScale * k.dot_i8(pa, pb, a.length);
    },

    dotBatchF32(query, rows, out) {
      const n = rowCount('dotBatchF32', rows.length, query.length);
      const res = out ?? new Float32Array(n);
      checkOut('dotBatchF32', res, n);
      arena.reset();
      const pq = putF32(query);
      const pr = putF32(rows);
      const po = arena.alloc(n * 4);
      k.dot_batch_f32(pq, pr, n, query.length, po);
      if (
        anyNonFinite(po, n) &&
        (anyNonFinite(pq, query.length) || anyNonFinite(pr, rows.length))
      ) {
        throw nonFinite('dotBatchF32 input');
      }
      res.set(f32(po, n));
      return res;
    },

    dotMatrixF32(queries, rows, dim, out) {
      const nq = rowCount('dotMatrixF32 queries', queries.length, dim);
      const n = rowCount('dotMatrixF32 rows', rows.length, dim);
      const res = out ?? new Float32Array(nq * n);
      checkOut('dotMatrixF32', res, nq * n);
      arena.reset();
      const pq = putF32(queries);
      const pr = putF32(rows);
      const po = arena.alloc(nq * n * 4);
      k.dot_matrix_f32(pq, nq, pr, n, dim, po);
      if (
        anyNonFinite(po, nq * n) &&
        (anyNonFinite(pq, queries.length) || anyNonFinite(pr, rows.length))
      ) {
        throw nonFinite('dotMatrixF32 input');
      }
      res.set(f32(po, nq * n));
      return res;
    },

    dotBatchI8(query, rows, out) {
      const n = rowCount('dotBatchI8', rows.length, query.length);
      const res = out ?? new Int32Array(n);
      checkOut('dotBatchI8', res, n);
      arena.reset();
      const pq = putI8(query);
      const pr = putI8(rows);
      const po = arena.alloc(n * 4);
      k.dot_batch_i8(pq, pr, n, query.length, po);
      res.set(i32(po, n));
      return res;
    },

    scoreI8(query, queryScale, rows, rowScales, out) {
      const n = rowCount('scoreI8', rows.length, query.length);
      sameLength('scoreI8 scales', rowScales, { length: n });
      checkScale('scoreI8 query scale', queryScale);
      const res = out ?? new Float32Array(n);
      checkOut('scoreI8', res, n);
      arena.reset();
      const pq = putI8(query);
      const pr = putI8(rows);
      const ps = putF32(rowScales);
      const po = arena.alloc(n * 4);
      k.score_i8(pq, queryScale, pr, ps, n, query.length, po);
      // A NaN/∞ row scale makes its score non-finite; only then scan the scales.
      if (anyNonFinite(po, n) && anyNonFinite(ps, n)) throw nonFinite('scoreI8 row scales');
      res.set(f32(po, n));
      return res;
    },

    quantizeI8(v, out) {
      sameLength('quantizeI8', v, out);
      arena.reset();
      const pv = putF32(v);
      const po = arena.alloc(v.length);
      const scale = k.quantize_i8(pv, v.length, po);
      if (!Number.isFinite(scale)) throw nonFinite('quantizeI8 input');
      out.set(mem().i8.subarray(po, po + v.length));
      return scale;
    },

    simhash(v, planes, bits, proj) {
      checkBits(bits, v.length, planes.length);
      if (proj) checkOut('simhash proj', proj, bits);
      arena.reset();
      return simhashAt(v, putF32(planes), bits, proj);
    },

    simhasher(planes, bits) {
      planesDim(bits, planes.length);
      return {
        hash(v, proj) {
          checkBits(bits, v.length, planes.length);
          if (proj) checkOut('simhash proj', proj, bits);
          const pp = residentF32(planes);
          arena.reset();
          return simhashAt(v, pp ?? putF32(planes), bits, proj);
        },
      };
    },

    hamming(a, b) {
      sameLength('hamming', a, b);
      arena.reset();
      const pa = putU32(a);
      const pb = putU32(b);
      return k.hamming(pa, pb, a.length);
    },

    hammingBatch(query, codes, out) {
      const n = rowCount('hammingBatch', codes.length, query.length);
      const res = out ?? new Int32Array(n);
      checkOut('hammingBatch', res, n);
      arena.reset();
      const pq = putU32(query);
      const pc = putU32(codes);
      const po = arena.alloc(n * 4);
      k.hamming_batch(pq, pc, n, query.length, po);
      res.set(i32(po, n));
      return res;
    },

    topK(scores, kk): TopK {
      checkK(kk);
      arena.reset();
      const ps = putF32(scores);
      if (anyNonFinite(ps, scores.length)) throw nonFinite('topK scores');
      const m = Math.min(kk, scores.length);
      const pi = arena.alloc(m * 4);
      const pv = arena.alloc(m * 4);
      k.topk(ps, scores.length, m, pi, pv);
      return {
        indices: mem().u32.slice(pi >>> 2, (pi >>> 2) + m),
        scores: mem().f32.slice(pv >>> 2, (pv >>> 2) + m),
      };
    },
  };
}
