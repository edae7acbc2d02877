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

export interface CostOptions {
  /** Target probability that a neighbour at `similarity` is found (default 0.99). */
  readonly recall?: number;
  /** Cosine similarity of the neighbours that must be found (default 0.8). */
  readonly similarity?: number;
  /**
   * Typical cosine between a query and an unrelated entry (default 0.1): such entries still share
   * a key bit with probability bitCollision(background), and every one that shares a whole key
   * costs a re-rank.
   */
  readonly background?: number;
  /** At most this many tables: each costs 4 bytes per entry in keys, positions and buckets. */
  readonly maxTables?: number;
  /** Inserts per search to count in the cost (default 1: a cache stores what it missed). */
  readonly insertsPerSearch?: number;
}

/**
 * Per-search costs in nanoseconds, measured with the wasm kernels at dim 256 (bench:cache):
 * projecting on one hyperplane costs hashPerValue·dim, looking up one table's bucket `table`, and
 * one candidate (int8 row gather from a cold store, score, top-k) candidateBase + candidatePerValue·dim.
 */
export const SEARCH_COSTS_NS = {
  hashPerValue: 0.13,
  table: 250,
  candidateBase: 40,
  candidatePerValue: 0.6,
} as const;

/** Tables needed so that one of them holds a neighbour with key-bit collision chance p. */
function tablesFor(p: number, bits: number, recall: number): number {
  const q = Math.min(1 - 1e-12, p ** bits);
  return Math.ceil(Math.log(1 - recall) / Math.log(1 - q));
}

/**
 * Parameters without multi-probe for the cheapest search of n entries that still meets the recall
 * target: for each k, L is the fewest tables reaching `recall` at `similarity`, and k minimises
 *   L·k·dim·hash + L·table + E[candidates]·candidate + insertsPerSearch·L·(k·dim·hash + table),
 * with E[candidates] = n·(1 − (1 − pb^k)^L) and pb = bitCollision(background). Unlike the bucket-size
 * rule of chooseParams, this adds bits while they remove more candidates than their tables cost.
 */
export function chooseParamsByCost(n: number, dim: number, opts: CostOptions = {}): LshParams {
  const recall = opts.recall ?? 0.99;
  const p = bitCollision(opts.similarity ?? 0.8);
  const pb = bitCollision(opts.background ?? 0.1);
  const maxTables = Math.min(256, opts.maxTables ?? 256);
  const inserts = opts.insertsPerSearch ?? 1;
  const c = SEARCH_COSTS_NS;
  const candidate = c.candidateBase + c.candidatePerValue * dim;
  let best: { bits: number; tables: number; cost: number } | undefined;
  for (let bits = 4; bits <= 24; bits++) {
    const tables = Math.max(1, tablesFor(p, bits, recall));
    if (tables > maxTables) break;
    const perTable = bits * dim * c.hashPerValue + c.table;
    const candidates = Math.max(0, n) * (1 - (1 - pb ** bits) ** tables);
    const cost = tables * perTable * (1 + inserts) + candidates * candidate;
    if (!best || cost < best.cost) best = { bits, tables, cost };
  }
  // Even 4 bits need more than maxTables: take the most tables allowed.
  return best
    ? { dim, tables: best.tables, bits: best.bits, probes: 0 }
    : { dim, tables: maxTables, bits: 4, probes: 0 };
}
