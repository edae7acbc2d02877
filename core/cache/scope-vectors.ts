// Vector search inside one scope. Small scopes (most conversations) are scanned linearly over one
// contiguous matrix; large ones (a hot FAQ) switch to SimHash LSH, see lsh-vectors.ts.

/** The k best by cosine, best first. */
export interface Nearest {
  readonly keys: readonly number[];
  readonly scores: readonly number[];
}

export interface ScopeVectors {
  readonly size: number;
  /** Adds a vector (stored unit-normalised) under a numeric key that is not present yet. */
  add(key: number, vector: Float32Array): void;
  remove(key: number): void;
  nearest(unitQuery: Float32Array, k: number): Nearest;
  /** The stored unit vector of a key, as a view valid until the next change (for migrating). */
  vector(key: number): Float32Array;
  keys(): Iterable<number>;
}
