/** A seeded PRNG so the demo model is byte-for-byte reproducible (never Math.random). */

/** Returns floats uniformly distributed in [0, 1). */
export type Rng = () => number;

/**
 * mulberry32: a 32-bit state generator, tiny and good enough for weight noise.
 * Not for anything security-related.
 */
export function seededRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
