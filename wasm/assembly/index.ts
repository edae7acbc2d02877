// Vector kernels over raw pointers into linear memory. The JS loader owns every byte: it lays the
// inputs out in a per-call arena above __heap_base, so nothing here allocates and nothing can leak.

/** Sum of the four f32 lanes. */
function hsum_f32(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) +
    f32x4.extract_lane(v, 1) +
    f32x4.extract_lane(v, 2) +
    f32x4.extract_lane(v, 3)
  );
}

/** Sum of the four i32 lanes. */
function hsum_i32(v: v128): i32 {
  return (
    i32x4.extract_lane(v, 0) +
    i32x4.extract_lane(v, 1) +
    i32x4.extract_lane(v, 2) +
    i32x4.extract_lane(v, 3)
  );
}

export function heapBase(): usize {
  return __heap_base;
}

/** Sum of a[i]*b[i] over n f32 lanes; four independent accumulators hide the add latency. */
export function dot_f32(a: usize, b: usize, n: i32): f32 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let acc2 = f32x4.splat(0);
  let acc3 = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const pa = a + ((<usize>i) << 2);
    const pb = b + ((<usize>i) << 2);
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(pa), v128.load(pb)));
    acc1 = f32x4.add(acc1, f32x4.mul(v128.load(pa, 16), v128.load(pb, 16)));
    acc2 = f32x4.add(acc2, f32x4.mul(v128.load(pa, 32), v128.load(pb, 32)));
    acc3 = f32x4.add(acc3, f32x4.mul(v128.load(pa, 48), v128.load(pb, 48)));
  }
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  const acc = f32x4.add(f32x4.add(acc0, acc1), f32x4.add(acc2, acc3));
  let s = hsum_f32(acc);
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    s += load<f32>(a + o) * load<f32>(b + o);
  }
  return s;
}

/** out[r] = dot(q, rows[r]) for r < count; rows are dim-strided. */
export function dot_batch_f32(q: usize, rows: usize, count: i32, dim: i32, out: usize): void {
  const stride = (<usize>dim) << 2;
  for (let r = 0; r < count; r++) {
    store<f32>(out + ((<usize>r) << 2), dot_f32(q, rows + <usize>r * stride, dim));
  }
}

/** out[q·count + r] = dot(query q, row r): many queries against many rows, one copy of each. */
export function dot_matrix_f32(
  qs: usize,
  nq: i32,
  rows: usize,
  count: i32,
  dim: i32,
  out: usize,
): void {
  const qstride = (<usize>dim) << 2;
  for (let q = 0; q < nq; q++) {
    dot_batch_f32(
      qs + <usize>q * qstride,
      rows,
      count,
      dim,
      out + ((<usize>q * <usize>count) << 2),
    );
  }
}

/** Cosine in one pass: dot, |a|^2 and |b|^2 together. Zero vectors give 0. */
export function cosine_f32(a: usize, b: usize, n: i32): f32 {
  let d = f32x4.splat(0);
  let na = f32x4.splat(0);
  let nb = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    const va = v128.load(a + o);
    const vb = v128.load(b + o);
    d = f32x4.add(d, f32x4.mul(va, vb));
    na = f32x4.add(na, f32x4.mul(va, va));
    nb = f32x4.add(nb, f32x4.mul(vb, vb));
  }
  let sd = hsum_f32(d);
  let sa = hsum_f32(na);
  let sb = hsum_f32(nb);
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const x = load<f32>(a + o);
    const y = load<f32>(b + o);
    sd += x * y;
    sa += x * x;
    sb += y * y;
  }
  // Non-finite input (or overflow) shows up in the sums; report NaN and let the caller decide.
  if (!isFinite(sa) || !isFinite(sb) || !isFinite(sd)) return NaN;
  if (sa == 0 || sb == 0) return 0;
  return <f32>(<f64>sd / (Math.sqrt(<f64>sa) * Math.sqrt(<f64>sb)));
}

/** Integer dot of two i8 vectors; i16 widening then pairwise i32 dot, 16 lanes per step. */
export function dot_i8(a: usize, b: usize, n: i32): i32 {
  let acc = i32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const va = v128.load(a + <usize>i);
    const vb = v128.load(b + <usize>i);
    acc = i32x4.add(
      acc,
      i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(va), i16x8.extend_low_i8x16_s(vb)),
    );
    acc = i32x4.add(
      acc,
      i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(va), i16x8.extend_high_i8x16_s(vb)),
    );
  }
  let s = hsum_i32(acc);
  for (; i < n; i++) {
    s += <i32>load<i8>(a + <usize>i) * <i32>load<i8>(b + <usize>i);
  }
  return s;
}

export function dot_batch_i8(q: usize, rows: usize, count: i32, dim: i32, out: usize): void {
  for (let r = 0; r < count; r++) {
    store<i32>(out + ((<usize>r) << 2), dot_i8(q, rows + <usize>r * <usize>dim, dim));
  }
}

/** out[r] = qscale · scales[r] · dot_i8(q, row r): int8 scores with their scales, in one pass. */
export function score_i8(
  q: usize,
  qscale: f32,
  rows: usize,
  scales: usize,
  count: i32,
  dim: i32,
  out: usize,
): void {
  for (let r = 0; r < count; r++) {
    const o = (<usize>r) << 2;
    store<f32>(
      out + o,
      <f32>dot_i8(q, rows + <usize>r * <usize>dim, dim) * load<f32>(scales + o) * qscale,
    );
  }
}

/** Symmetric quantization to [-127, 127]; returns the scale (0 for a zero vector). */
export function quantize_i8(src: usize, n: i32, dst: usize): f32 {
  // pmax is one instruction (max is NaN-exact and slow), so non-finite input is tracked apart:
  // x - x is NaN exactly for NaN and ±Infinity.
  let m = f32x4.splat(0);
  let bad = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(src + ((<usize>i) << 2));
    m = f32x4.pmax(m, f32x4.abs(v));
    bad = f32x4.add(bad, f32x4.sub(v, v));
  }
  let maxAbs = max(
    max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)),
    max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)),
  );
  let badSum = hsum_f32(bad);
  for (; i < n; i++) {
    const x = load<f32>(src + ((<usize>i) << 2));
    maxAbs = max(maxAbs, abs(x));
    badSum += x - x;
  }
  if (badSum != badSum) return NaN;
  if (maxAbs == 0) {
    memory.fill(dst, 0, <usize>n);
    return 0;
  }
  const inv = <f32>127 / maxAbs;
  const vinv = f32x4.splat(inv);
  let j = 0;
  // 16 lanes per step: scale, round to nearest even, narrow i32 → i16 → i8. |x·inv| ≤ 127 by
  // construction, and the saturating narrows would clamp anyway.
  for (; j + 16 <= n; j += 16) {
    const p = src + ((<usize>j) << 2);
    const r0 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(p), vinv)));
    const r1 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(p, 16), vinv)));
    const r2 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(p, 32), vinv)));
    const r3 = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(p, 48), vinv)));
    v128.store(
      dst + <usize>j,
      i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(r0, r1), i16x8.narrow_i32x4_s(r2, r3)),
    );
  }
  for (; j < n; j++) {
    let v = nearest<f32>(load<f32>(src + ((<usize>j) << 2)) * inv);
    v = min<f32>(127, max<f32>(-127, v));
    store<i8>(dst + <usize>j, <i8>v);
  }
  return maxAbs / 127;
}

/** Projects v on `bits` hyperplanes (proj out) and packs the signs, bit b in word b>>5. */
export function simhash(
  v: usize,
  planes: usize,
  bits: i32,
  dim: i32,
  proj: usize,
  code: usize,
): void {
  dot_batch_f32(v, planes, bits, dim, proj);
  const words = (bits + 31) >> 5;
  for (let w = 0; w < words; w++) {
    let word: u32 = 0;
    const end = min(bits, (w + 1) << 5);
    for (let b = w << 5; b < end; b++) {
      if (load<f32>(proj + ((<usize>b) << 2)) > 0) word |= (1 as u32) << ((b & 31) as u32);
    }
    store<u32>(code + ((<usize>w) << 2), word);
  }
}

/** Hamming distance between two codes of `words` u32 words. */
export function hamming(a: usize, b: usize, words: i32): i32 {
  let s: i32 = 0;
  let w = 0;
  for (; w + 2 <= words; w += 2) {
    const o = (<usize>w) << 2;
    s += <i32>popcnt<u64>(load<u64>(a + o) ^ load<u64>(b + o));
  }
  if (w < words) {
    const o = (<usize>w) << 2;
    s += popcnt<u32>(load<u32>(a + o) ^ load<u32>(b + o));
  }
  return s;
}

export function hamming_batch(q: usize, codes: usize, count: i32, words: i32, out: usize): void {
  const stride = (<usize>words) << 2;
  for (let r = 0; r < count; r++) {
    store<i32>(out + ((<usize>r) << 2), hamming(q, codes + <usize>r * stride, words));
  }
}

/** Returns 1 when any of n f32 values is NaN or infinite (x - x is NaN exactly then). */
export function nonfinite_f32(p: usize, n: i32): i32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(p + ((<usize>i) << 2));
    acc = f32x4.add(acc, f32x4.sub(v, v));
  }
  let s = hsum_f32(acc);
  for (; i < n; i++) {
    const x = load<f32>(p + ((<usize>i) << 2));
    s += x - x;
  }
  return s != s ? 1 : 0;
}

// "a ranks worse than b": lower score, or equal score and a later index.
function worse(sa: f32, ia: u32, sb: f32, ib: u32): bool {
  return sa < sb || (sa == sb && ia > ib);
}

function siftDown(hs: usize, hi: usize, start: i32, len: i32): void {
  let p = start;
  while (true) {
    const l = 2 * p + 1;
    if (l >= len) break;
    let c = l;
    const r = l + 1;
    if (
      r < len &&
      worse(
        load<f32>(hs + ((<usize>r) << 2)),
        load<u32>(hi + ((<usize>r) << 2)),
        load<f32>(hs + ((<usize>l) << 2)),
        load<u32>(hi + ((<usize>l) << 2)),
      )
    )
      c = r;
    const cs = load<f32>(hs + ((<usize>c) << 2));
    const ci = load<u32>(hi + ((<usize>c) << 2));
    const ps = load<f32>(hs + ((<usize>p) << 2));
    const pi = load<u32>(hi + ((<usize>p) << 2));
    if (!worse(cs, ci, ps, pi)) break;
    store<f32>(hs + ((<usize>p) << 2), cs);
    store<u32>(hi + ((<usize>p) << 2), ci);
    store<f32>(hs + ((<usize>c) << 2), ps);
    store<u32>(hi + ((<usize>c) << 2), pi);
    p = c;
  }
}

/**
 * Top-k of n scores, best first (ties: lower index first). A k-sized heap whose root is the worst
 * kept item; then the heap is sorted in place. Returns how many were written (min(k, n)).
 */
export function topk(scores: usize, n: i32, k: i32, outIdx: usize, outScores: usize): i32 {
  const m = min(k, n);
  if (m <= 0) return 0;
  for (let i = 0; i < m; i++) {
    store<f32>(outScores + ((<usize>i) << 2), load<f32>(scores + ((<usize>i) << 2)));
    store<u32>(outIdx + ((<usize>i) << 2), <u32>i);
  }
  for (let i = (m >> 1) - 1; i >= 0; i--) siftDown(outScores, outIdx, i, m);
  for (let i = m; i < n; i++) {
    const s = load<f32>(scores + ((<usize>i) << 2));
    if (worse(load<f32>(outScores), load<u32>(outIdx), s, <u32>i)) {
      store<f32>(outScores, s);
      store<u32>(outIdx, <u32>i);
      siftDown(outScores, outIdx, 0, m);
    }
  }
  // Heap sort: repeatedly move the worst to the end, so the array ends best-first.
  for (let end = m - 1; end > 0; end--) {
    const s0 = load<f32>(outScores);
    const i0 = load<u32>(outIdx);
    store<f32>(outScores, load<f32>(outScores + ((<usize>end) << 2)));
    store<u32>(outIdx, load<u32>(outIdx + ((<usize>end) << 2)));
    store<f32>(outScores + ((<usize>end) << 2), s0);
    store<u32>(outIdx + ((<usize>end) << 2), i0);
    siftDown(outScores, outIdx, 0, end);
  }
  return m;
}
