// The TypeScript reference for every kernel: plain loops, f64 accumulation. It defines what the
// wasm kernels must compute and is the fallback where wasm is unavailable.
import type { TopK, VectorKernels } from '@proxima/core/lsh';
import {
  checkBits,
  checkK,
  checkOut,
  checkScale,
  planesDim,
  rejectNonFinite,
  rowCount,
  sameLength,
} from '@proxima/core/lsh';

function dot(a: Float32Array, b: Float32Array, bOff: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]! * b[bOff + i]!;
  return s;
}

function dotInt(a: Int8Array, b: Int8Array, bOff: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]! * b[bOff + i]!;
  return s;
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

function ham(a: Uint32Array, b: Uint32Array, bOff: number, words: number): number {
  let s = 0;
  for (let w = 0; w < words; w++) s += popcount32((a[w]! ^ b[bOff + w]!) >>> 0);
  return s;
}

/** a ranks worse than b: lower score, or the same score and a later index. */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

function siftDown(s: Float32Array, ix: Uint32Array, start: number, len: number): void {
  let p = start;
  for (;;) {
    const l = 2 * p + 1;
    if (l >= len) return;
    const r = l + 1;
    const c = r < len && worse(s[r]!, ix[r]!, s[l]!, ix[l]!) ? r : l;
    if (!worse(s[c]!, ix[c]!, s[p]!, ix[p]!)) return;
    const ts = s[p]!;
    const ti = ix[p]!;
    s[p] = s[c]!;
    ix[p] = ix[c]!;
    s[c] = ts;
    ix[c] = ti;
    p = c;
  }
}

export const referenceKernels: VectorKernels = {
  name: 'ts-reference',

  dotF32(a, b) {
    sameLength('dotF32', a, b);
    const r = dot(a, b, 0, a.length);
    // Any NaN/Infinity input makes the dot non-finite, so only then is a scan needed.
    if (!Number.isFinite(r)) {
      rejectNonFinite('dotF32 input', a);
      rejectNonFinite('dotF32 input', b);
    }
    return r;
  },

  cosineF32(a, b) {
    sameLength('cosineF32', a, b);
    rejectNonFinite('cosineF32 input', a);
    rejectNonFinite('cosineF32 input', b);
    let d = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      d += x * y;
      na += x * x;
      nb += y * y;
    }
    return na === 0 || nb === 0 ? 0 : d / (Math.sqrt(na) * Math.sqrt(nb));
  },

  dotI8(a, aScale, b, bScale) {
    sameLength('dotI8', a, b);
    checkScale('dotI8 scale', aScale);
    checkScale('dotI8 scale', bScale);
    return aScale * bScale * dotInt(a, b, 0, a.length);
  },

  dotBatchF32(query, rows, out) {
    const n = rowCount('dotBatchF32', rows.length, query.length);
    const res = out ?? new Float32Array(n);
    checkOut('dotBatchF32', res, n);
    const d = query.length;
    let finite = true;
    for (let r = 0; r < n; r++) {
      const x = dot(query, rows, r * d, d);
      res[r] = x;
      finite &&= Number.isFinite(x);
    }
    if (!finite) {
      rejectNonFinite('dotBatchF32 query', query);
      rejectNonFinite('dotBatchF32 rows', rows);
    }
    return res;
  },

  dotMatrixF32(queries, rows, dim, out) {
    const nq = rowCount('dotMatrixF32 queries', queries.length, dim);
    const n = rowCount('dotMatrixF32 rows', rows.length, dim);
    const res = out ?? new Float32Array(nq * n);
    checkOut('dotMatrixF32', res, nq * n);
    let finite = true;
    for (let q = 0; q < nq; q++) {
      const qv = queries.subarray(q * dim, q * dim + dim);
      for (let r = 0; r < n; r++) {
        const x = dot(qv, rows, r * dim, dim);
        res[q * n + r] = x;
        finite &&= Number.isFinite(x);
      }
    }
    if (!finite) {
      rejectNonFinite('dotMatrixF32 queries', queries);
      rejectNonFinite('dotMatrixF32 rows', rows);
    }
    return res;
  },

  dotBatchI8(query, rows, out) {
    const n = rowCount('dotBatchI8', rows.length, query.length);
    const res = out ?? new Int32Array(n);
    checkOut('dotBatchI8', res, n);
    const d = query.length;
    for (let r = 0; r < n; r++) res[r] = dotInt(query, rows, r * d, d);
    return res;
  },

  scoreI8(query, queryScale, rows, rowScales, out) {
    const n = rowCount('scoreI8', rows.length, query.length);
    sameLength('scoreI8 scales', rowScales, { length: n });
    checkScale('scoreI8 query scale', queryScale);
    rejectNonFinite('scoreI8 row scales', rowScales);
    const res = out ?? new Float32Array(n);
    checkOut('scoreI8', res, n);
    const d = query.length;
    for (let r = 0; r < n; r++) res[r] = dotInt(query, rows, r * d, d) * rowScales[r]! * queryScale;
    return res;
  },

  quantizeI8(v, out) {
    sameLength('quantizeI8', v, out);
    rejectNonFinite('quantizeI8 input', v);
    let maxAbs = 0;
    for (let i = 0; i < v.length; i++) maxAbs = Math.max(maxAbs, Math.abs(v[i]!));
    if (maxAbs === 0) {
      out.fill(0);
      return 0;
    }
    const inv = 127 / maxAbs;
    for (let i = 0; i < v.length; i++) {
      out[i] = Math.max(-127, Math.min(127, Math.round(v[i]! * inv)));
    }
    return maxAbs / 127;
  },

  simhash(v, planes, bits, proj) {
    checkBits(bits, v.length, planes.length);
    if (proj) checkOut('simhash proj', proj, bits);
    rejectNonFinite('simhash input', v);
    rejectNonFinite('simhash planes', planes);
    const code = new Uint32Array((bits + 31) >>> 5);
    for (let b = 0; b < bits; b++) {
      const p = dot(v, planes, b * v.length, v.length);
      if (proj) proj[b] = p;
      if (p > 0) code[b >>> 5]! |= 1 << (b & 31);
    }
    return code;
  },

  simhasher(planes, bits) {
    planesDim(bits, planes.length);
    return { hash: (v, proj) => referenceKernels.simhash(v, planes, bits, proj) };
  },

  hamming(a, b) {
    sameLength('hamming', a, b);
    return ham(a, b, 0, a.length);
  },

  hammingBatch(query, codes, out) {
    const n = rowCount('hammingBatch', codes.length, query.length);
    const res = out ?? new Int32Array(n);
    checkOut('hammingBatch', res, n);
    for (let r = 0; r < n; r++) res[r] = ham(query, codes, r * query.length, query.length);
    return res;
  },

  topK(scores, k): TopK {
    checkK(k);
    rejectNonFinite('topK scores', scores);
    const m = Math.min(k, scores.length);
    const s = new Float32Array(m);
    const ix = new Uint32Array(m);
    for (let i = 0; i < m; i++) {
      s[i] = scores[i]!;
      ix[i] = i;
    }
    for (let i = (m >> 1) - 1; i >= 0; i--) siftDown(s, ix, i, m);
    for (let i = m; i < scores.length; i++) {
      const v = scores[i]!;
      if (worse(s[0]!, ix[0]!, v, i)) {
        s[0] = v;
        ix[0] = i;
        siftDown(s, ix, 0, m);
      }
    }
    for (let end = m - 1; end > 0; end--) {
      const ts = s[0]!;
      const ti = ix[0]!;
      s[0] = s[end]!;
      ix[0] = ix[end]!;
      s[end] = ts;
      ix[end] = ti;
      siftDown(s, ix, 0, end);
    }
    return { indices: ix, scores: s };
  },
};
