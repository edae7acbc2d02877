// Every limit and default of the semantic cache, defined once: the options parser, the store and
// the SemanticCache Durable Object all derive from this object.
import { ID_PATTERN, ID_RULE } from '../protocol/limits.ts';

export type CacheMode = 'off' | 'exact' | 'semantic';

export const CACHE_DEFAULTS = {
  /** Opt-in: a tenant or a request turns the cache on (a cached answer ignores sampling). */
  mode: 'off' as CacheMode,
  /** Messages before the last user turn that are part of the scope verbatim (see scope.ts). */
  windowTurns: 6,
  /**
   * Cosine floor of a semantic hit. Chosen by `npm run bench:cache`: the highest hit rate on the
   * near-miss set at precision ≥ 0.99, with the guard on (lexical embedder, 256-d).
   */
  threshold: 0.74,
  minThreshold: 0.5,
  maxThreshold: 1,
  ttlSeconds: 3600,
  maxTtlSeconds: 30 * 24 * 3600,
  capacityPerTenant: 10_000,
  maxTags: 8,
  /** Tags share the id alphabet, so they are safe in URLs and logs and ':' can build prefixes. */
  tagPattern: ID_PATTERN,
  tagRule: ID_RULE,
  /** A scope is scanned linearly up to this many entries, then indexed with SimHash LSH. */
  linearScanMax: 256,
  /** Semantic candidates per lookup that the near-miss guard may check before giving up. */
  guardCandidates: 8,
  /**
   * Cosine at which a large scope's LSH index finds a neighbour with probability 0.99 (SimHash
   * without multi-probe, docs/design/0022); nearer the threshold recall drops to ~0.96 at 0.75.
   * Lower would cost tables on every lookup of a hot scope.
   */
  lshSimilarity: 0.8,
  /**
   * Typical cosine between a lookup and an unrelated entry of its scope. With it the LSH key bits
   * are chosen by expected search cost (chooseParamsByCost); bench:cache measures ≈ 0.1.
   */
  lshBackground: 0.1,
  /** Most LSH tables: each costs ~14 bytes per entry, so 96 keep the index about as big as the vectors. */
  lshMaxTables: 96,
} as const;

export type CacheDefaults = typeof CACHE_DEFAULTS;
