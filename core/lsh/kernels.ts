// The vector kernels the index needs. core/ never loads wasm itself: the caller injects either the
// wasm SIMD implementation or the TypeScript reference (both in @proxima/wasm, same contract suite).

/** Top-k result, best first; ties are broken by the lower index. */
export interface TopK {
  readonly indices: Uint32Array;
  readonly scores: Float32Array;
}

/** simhash with hyperplanes fixed at creation, see VectorKernels.simhasher. */
export interface SimHasher {
  /** simhash(v, planes, bits, proj) with the planes and bits given to simhasher. */
  hash(v: Float32Array, proj?: Float32Array): Uint32Array;
}

export interface VectorKernels {
  readonly name: string;
  /** Σ a[i]·b[i]. */
  dotF32(a: Float32Array, b: Float32Array): number;
  /** Cosine similarity; 0 when either vector is zero. */
  cosineF32(a: Float32Array, b: Float32Array): number;
  /** aScale·bScale·Σ a[i]·b[i] for symmetric int8 codes. */
  dotI8(a: Int8Array, aScale: number, b: Int8Array, bScale: number): number;
  /** out[r] = dot(query, row r) where rows is a row-major matrix of query.length columns. */
  dotBatchF32(query: Float32Array, rows: Float32Array, out?: Float32Array): Float32Array;
  /** out[q·n + r] = dot(query q, row r) for two row-major matrices of `dim` columns. */
  dotMatrixF32(
    queries: Float32Array,
    rows: Float32Array,
    dim: number,
    out?: Float32Array,
  ): Float32Array;
  /** Integer dots of an int8 query against int8 rows (scales are applied by the caller). */
  dotBatchI8(query: Int8Array, rows: Int8Array, out?: Int32Array): Int32Array;
  /** out[r] = queryScale · rowScales[r] · Σ query·row r: scaled int8 scores (≈ cosine for unit codes). */
  scoreI8(
    query: Int8Array,
    queryScale: number,
    rows: Int8Array,
    rowScales: Float32Array,
    out?: Float32Array,
  ): Float32Array;
  /** Writes round(v/scale) clamped to ±127 into out and returns scale = max|v|/127 (0 for v = 0). */
  quantizeI8(v: Float32Array, out: Int8Array): number;
  /**
   * Projects v on `bits` hyperplanes (row-major, bits × v.length) and packs the signs (bit b of the
   * code is word b>>5, bit b&31; set when the projection is > 0). proj, if given, receives the
   * projections, which multi-probe uses as margins.
   */
  simhash(v: Float32Array, planes: Float32Array, bits: number, proj?: Float32Array): Uint32Array;
  /**
   * simhash with planes that an index hashes every vector with: the wasm kernels keep them in
   * their memory between calls instead of copying them in each time. The caller must not change
   * planes afterwards; nothing needs freeing (resident copies are a bounded cache).
   */
  simhasher(planes: Float32Array, bits: number): SimHasher;
  /** Number of differing bits. */
  hamming(a: Uint32Array, b: Uint32Array): number;
  /** out[r] = hamming(query, code r) where codes holds query.length words per code. */
  hammingBatch(query: Uint32Array, codes: Uint32Array, out?: Int32Array): Int32Array;
  /** The k best scores, best first (ties: lower index first). */
  topK(scores: Float32Array, k: number): TopK;
}
