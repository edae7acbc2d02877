// LSH parameters and the rule for choosing them from the corpus size and a recall target.
import { LshError } from './errors.ts';

export interface LshParams {
  readonly dim: number;
  /** L: number of hash tables. */
  readonly tables: number;
  /** k: bits per table key (≤ 30 so a key is a small integer). */
  readonly bits: number;
  /** Extra buckets visited per table by multi-probe. */
  readonly probes: number;
  /** Keep the f32 vectors for an exact re-check of the int8 ranking. */
  readonly keepF32?: boolean;
}

export function validateParams(p: LshParams): void {
  const intIn = (v: number, lo: number, hi: number): boolean =>
    Number.isInteger(v) && v >= lo && v <= hi;
  if (!intIn(p.dim, 1, 65_536))
    throw new LshError('bad_params', `dim must be 1..65536, got ${p.dim}`);
  if (!intIn(p.tables, 1, 256))
    throw new LshError('bad_params', `tables must be 1..256, got ${p.tables}`);
  if (!intIn(p.bits, 1, 30)) throw new LshError('bad_params', `bits must be 1..30, got ${p.bits}`);
  if (!intIn(p.probes, 0, 4096))
    throw new LshError('bad_params', `probes must be 0..4096, got ${p.probes}`);
}

/** Collision probability of one hyperplane for two vectors at cosine similarity s. */
export function bitCollision(similarity: number): number {
  return 1 - Math.acos(Math.max(-1, Math.min(1, similarity))) / Math.PI;
}

export interface ChooseOptions {
  /** Target probability that a neighbour at `similarity` is found (default 0.95). */
  readonly recall?: number;
  /** Cosine similarity of the neighbours that must be found (default 0.8). */
  readonly similarity?: number;
  /** Multi-probe budget per table (default 8). */
  readonly probes?: number;
  /** Mean bucket size to aim for (default 12). */
  readonly bucketSize?: number;
}

/**
 * The documented rule (docs/design/0022-lsh-index.md):
 *   k = clamp(round(log2(n / bucketSize)), 4, 24)   — buckets stay small as the corpus grows;
 *   p = 1 − acos(s)/π,  q = p^k + min(probes, k)·p^(k−1)·(1−p)  — hit chance per table with probes
 *   L = clamp(ceil(ln(1 − R) / ln(1 − q)), 1, 256)
 */
export function chooseParams(n: number, dim: number, opts: ChooseOptions = {}): LshParams {
  const recall = opts.recall ?? 0.95;
  const probes = opts.probes ?? 8;
  const p = bitCollision(opts.similarity ?? 0.8);
  const bits = Math.max(
    4,
    Math.min(24, Math.round(Math.log2(Math.max(1, n) / (opts.bucketSize ?? 12)))),
  );
  const q = Math.min(1 - 1e-12, p ** bits + Math.min(probes, bits) * p ** (bits - 1) * (1 - p));
  const tables = Math.max(1, Math.min(256, Math.ceil(Math.log(1 - recall) / Math.log(1 - q))));
  return { dim, tables, bits, probes };
}
