// Randomness is injected so runs replay exactly from a seed.

export interface Rand {
  /** Uniform integer in [0, n). */
  intn(n: number): number;
}

/** Small seeded PRNG (mulberry32). Deterministic and fast; not for cryptography. */
export class SeededRand implements Rand {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  intn(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Derives an independent generator, so adding draws in one place does not shift another. */
  fork(): SeededRand {
    return new SeededRand(Math.floor(this.next() * 4294967296));
  }
}
