// One tenant's semantic cache index, in memory and pure: the Durable Object loads it from SQLite,
// passes the clock in as `now`, and deletes the rows whose ids come back from put/invalidate/expire.
//
// Isolation is by construction: entries live in per-scope buckets, and a lookup only ever reads the
// bucket of its own scope (which includes the tenant, the model, the parameters and the earlier
// turns), so no similarity, however high, reaches across scopes.
import type { VectorKernels } from '../lsh/kernels.ts';
import type { LshParams } from '../lsh/params.ts';
import { randomHyperplanes, seededRng } from '../lsh/prng.ts';
import { CACHE_DEFAULTS } from './defaults.ts';
import { checkEntry, type CacheEntry, type CacheEntryInput, type CacheSource } from './entry.ts';
import { ExpiryQueue } from './expiry-queue.ts';
import { compareGuardFeatures, type GuardResult } from './guard.ts';
import { guardFeatures, type GuardFeatures } from './guard-features.ts';
import { LinearVectors } from './linear-vectors.ts';
import { LshVectors, type LshSizing } from './lsh-vectors.ts';
import { Postings } from './postings.ts';
import type { ScopeVectors } from './scope-vectors.ts';

export interface CacheStoreOptions {
  readonly kernels: VectorKernels;
  /** Embedding dimension (default 256, the lexical embedder's). */
  readonly dim?: number;
  readonly capacity?: number;
  /** Compares the features of a stored prompt and a query; the bench swaps it to measure its worth. */
  readonly guard?: (stored: GuardFeatures, query: GuardFeatures) => GuardResult;
  readonly linearScanMax?: number;
  readonly guardCandidates?: number;
  readonly lshSimilarity?: number;
  /** Seed of the LSH hyperplanes. */
  readonly seed?: number;
}

export interface CacheLookup {
  readonly scope: string;
  readonly exact: string;
  readonly prompt: string;
  readonly vector: Float32Array | null;
  readonly mode: 'exact' | 'semantic';
  readonly threshold: number;
  readonly now: number;
}

export type CacheLookupResult =
  | { readonly kind: 'hit' | 'semantic_hit'; readonly id: string; readonly similarity: number }
  | {
      readonly kind: 'miss';
      /** The best candidate above the threshold that the near-miss guard refused. */
      readonly refused?: {
        readonly id: string;
        readonly similarity: number;
        readonly reason: string;
      };
    };

interface Entry extends Omit<CacheEntry, 'lastUsedAt'> {
  /** Numeric key in the scope's vector index. */
  readonly key: number;
  lastUsedAt: number;
  /** Computed the first time the guard needs it. */
  features: GuardFeatures | undefined;
}

interface Scope {
  readonly exact: Map<string, Entry>;
  vectors: ScopeVectors;
}

const MISS: CacheLookupResult = { kind: 'miss' };
const NONE: readonly never[] = Object.freeze([]);

function sourceKey(namespace: string, documentId: string): string {
  return JSON.stringify([namespace, documentId]);
}

/** Writes the unit vector of v (zero stays zero) into out and returns out. */
function unitOf(v: Float32Array, out: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  if (!(s > 0)) return out.fill(0);
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}

export class CacheStore {
  readonly dim: number;
  readonly capacity: number;
  private readonly kernels: VectorKernels;
  private readonly guard: (stored: GuardFeatures, query: GuardFeatures) => GuardResult;
  private readonly linearScanMax: number;
  private readonly guardCandidates: number;
  private readonly seed: number;
  /** Insertion order is recency order: the first entry is the least recently used. */
  private readonly byId = new Map<string, Entry>();
  private readonly byKey = new Map<number, Entry>();
  private readonly scopes = new Map<string, Scope>();
  private readonly tags = new Postings();
  private readonly sources = new Postings();
  private readonly expiry = new ExpiryQueue<Entry>();
  private readonly planes = new Map<string, Float32Array>();
  private readonly sizing: LshSizing;
  /** The unit query of the lookup in progress (the scope's vectors do not keep it). */
  private readonly queryUnit: Float32Array;
  private nextKey = 0;

  constructor(options: CacheStoreOptions) {
    this.kernels = options.kernels;
    this.dim = options.dim ?? 256;
    this.capacity = options.capacity ?? CACHE_DEFAULTS.capacityPerTenant;
    this.guard = options.guard ?? compareGuardFeatures;
    this.linearScanMax = options.linearScanMax ?? CACHE_DEFAULTS.linearScanMax;
    this.guardCandidates = options.guardCandidates ?? CACHE_DEFAULTS.guardCandidates;
    this.seed = options.seed ?? 0x5eed;
    this.sizing = {
      similarity: options.lshSimilarity ?? CACHE_DEFAULTS.lshSimilarity,
      background: CACHE_DEFAULTS.lshBackground,
      maxTables: CACHE_DEFAULTS.lshMaxTables,
      planes: (p) => this.planesFor(p),
    };
    if (!Number.isInteger(this.capacity) || this.capacity < 1)
      throw new RangeError(`capacity must be a positive integer, got ${this.capacity}`);
    if (!Number.isInteger(this.dim) || this.dim < 1)
      throw new RangeError(`dim must be a positive integer, got ${this.dim}`);
    this.queryUnit = new Float32Array(this.dim);
  }

  get size(): number {
    return this.byId.size;
  }

  /** Shape of the index, for the bench and for logs. */
  stats(): { entries: number; scopes: number; lshScopes: number } {
    let lshScopes = 0;
    for (const scope of this.scopes.values()) if (scope.vectors instanceof LshVectors) lshScopes++;
    return { entries: this.byId.size, scopes: this.scopes.size, lshScopes };
  }

  get(id: string): CacheEntry | undefined {
    const e = this.byId.get(id);
    if (!e) return undefined;
    const { key: _key, features: _features, ...view } = e;
    return view;
  }

  /**
   * The exact entry of the scope first; then, in semantic mode, the most similar entries of the
   * same scope at or above the threshold, best first, each checked by the near-miss guard. A hit
   * counts as a use (LRU). Expired entries never hit.
   */
  lookup(q: CacheLookup): CacheLookupResult {
    const scope = this.scopes.get(q.scope);
    if (!scope) return MISS;
    const exact = scope.exact.get(q.exact);
    if (exact && exact.expiresAt > q.now) {
      this.use(exact, q.now);
      return { kind: 'hit', id: exact.id, similarity: 1 };
    }
    if (q.mode !== 'semantic' || q.vector === null) return MISS;
    if (q.vector.length !== this.dim)
      throw new RangeError(`query vector has ${q.vector.length} values, the store ${this.dim}`);
    const near = scope.vectors.nearest(unitOf(q.vector, this.queryUnit), this.guardCandidates);
    let asked: GuardFeatures | undefined;
    let refused: { id: string; similarity: number; reason: string } | undefined;
    for (let i = 0; i < near.keys.length; i++) {
      const similarity = Math.min(1, near.scores[i]!);
      if (!(similarity >= q.threshold)) break;
      const e = this.byKey.get(near.keys[i]!);
      if (!e || e.expiresAt <= q.now) continue;
      asked ??= guardFeatures(q.prompt);
      e.features ??= guardFeatures(e.prompt);
      const verdict = this.guard(e.features, asked);
      if (verdict.ok) {
        this.use(e, q.now);
        return { kind: 'semantic_hit', id: e.id, similarity };
      }
      refused ??= { id: e.id, similarity, reason: verdict.reason };
    }
    return refused ? { kind: 'miss', refused } : MISS;
  }

  /**
   * Stores an entry, replacing one with the same id or the same scope and exact key. Returns the
   * ids that left the store: the replaced entry (when its id differs) and LRU evictions.
   */
  put(input: CacheEntryInput, now: number): { evicted: string[] } {
    checkEntry(input, this.dim);
    const evicted: string[] = [];
    const same = this.byId.get(input.id);
    if (same) this.removeEntry(same);
    let scope = this.scopes.get(input.scope);
    const twin = scope?.exact.get(input.exact);
    if (twin) {
      this.removeEntry(twin);
      evicted.push(twin.id);
      scope = this.scopes.get(input.scope);
    }
    if (!scope) {
      scope = { exact: new Map(), vectors: new LinearVectors(this.dim, this.kernels) };
      this.scopes.set(input.scope, scope);
    }
    const e: Entry = {
      id: input.id,
      key: this.nextKey++,
      scope: input.scope,
      exact: input.exact,
      prompt: input.prompt,
      expiresAt: input.expiresAt,
      tags: input.tags.length === 0 ? NONE : [...new Set(input.tags)],
      sources: input.sources.length === 0 ? NONE : input.sources.map((s) => ({ ...s })),
      lastUsedAt: now,
      features: undefined,
    };
    this.byId.set(e.id, e);
    this.byKey.set(e.key, e);
    scope.exact.set(e.exact, e);
    scope.vectors.add(e.key, input.vector);
    this.resize(scope);
    for (const t of e.tags) this.tags.add(t, e.id);
    for (const s of e.sources) this.sources.add(sourceKey(s.namespace, s.documentId), e.id);
    this.expiry.push(e);
    while (this.byId.size > this.capacity) {
      const oldest = this.byId.values().next().value!;
      this.removeEntry(oldest);
      evicted.push(oldest.id);
    }
    return { evicted };
  }

  /** Marks an entry as just used (LRU); false when it is not stored. */
  touch(id: string, now: number): boolean {
    const e = this.byId.get(id);
    if (!e) return false;
    this.use(e, now);
    return true;
  }

  remove(id: string): boolean {
    const e = this.byId.get(id);
    if (!e) return false;
    this.removeEntry(e);
    return true;
  }

  /**
   * Removes the entries built on a document: on a version older than newVersion, or on any version
   * when newVersion is undefined (the document was deleted).
   */
  invalidateSource(namespace: string, documentId: string, newVersion?: number): string[] {
    const stale = (s: CacheSource): boolean =>
      s.namespace === namespace &&
      s.documentId === documentId &&
      (newVersion === undefined || s.version < newVersion);
    return this.removeIds(this.sources.ids(sourceKey(namespace, documentId)), (e) =>
      e.sources.some(stale),
    );
  }

  /** Removes every entry built on any document of the namespace (it was dropped). */
  invalidateNamespace(namespace: string): string[] {
    const keys = [...this.sources.keys()].filter(
      (k) => (JSON.parse(k) as [string, string])[0] === namespace,
    );
    return this.removeIds(keys.flatMap((k) => this.sources.ids(k)));
  }

  invalidateTag(tag: string): string[] {
    return this.removeIds(this.tags.ids(tag));
  }

  /** Removes every entry with a tag that starts with prefix (which must not be empty). */
  invalidateTagPrefix(prefix: string): string[] {
    if (prefix === '') throw new RangeError('an empty tag prefix would match every tagged entry');
    const tags = [...this.tags.keys()].filter((t) => t.startsWith(prefix));
    return this.removeIds(tags.flatMap((t) => this.tags.ids(t)));
  }

  /** Removes the entries whose expiresAt ≤ now and returns their ids. */
  expire(now: number): string[] {
    const due = this.expiry.popDue(now, (e) => this.byId.get(e.id) === e);
    for (const e of due) this.removeEntry(e);
    this.expiry.compact(() => this.byId.values(), this.byId.size);
    return due.map((e) => e.id);
  }

  private use(e: Entry, now: number): void {
    e.lastUsedAt = Math.max(e.lastUsedAt, now);
    this.byId.delete(e.id);
    this.byId.set(e.id, e);
  }

  private removeIds(ids: readonly string[], when: (e: Entry) => boolean = () => true): string[] {
    const removed: string[] = [];
    for (const id of new Set(ids)) {
      const e = this.byId.get(id);
      if (!e || !when(e)) continue;
      this.removeEntry(e);
      removed.push(id);
    }
    return removed;
  }

  private removeEntry(e: Entry): void {
    this.byId.delete(e.id);
    this.byKey.delete(e.key);
    for (const t of e.tags) this.tags.remove(t, e.id);
    for (const s of e.sources) this.sources.remove(sourceKey(s.namespace, s.documentId), e.id);
    const scope = this.scopes.get(e.scope);
    if (!scope) return;
    if (scope.exact.get(e.exact) === e) scope.exact.delete(e.exact);
    scope.vectors.remove(e.key);
    if (scope.vectors.size === 0) this.scopes.delete(e.scope);
    else this.resize(scope);
  }

  /**
   * Linear scan up to linearScanMax entries; past it an LSH index sized for twice the scope, rebuilt
   * when the scope outgrows it; back to linear below half of linearScanMax (hysteresis).
   */
  private resize(scope: Scope): void {
    const v = scope.vectors;
    const n = v.size;
    if (v instanceof LinearVectors) {
      if (n > this.linearScanMax)
        this.rebuild(scope, new LshVectors(this.dim, 2 * n, this.kernels, this.sizing));
    } else if (v instanceof LshVectors) {
      if (n > v.sizedFor)
        this.rebuild(scope, new LshVectors(this.dim, 2 * n, this.kernels, this.sizing));
      else if (n < this.linearScanMax / 2)
        this.rebuild(scope, new LinearVectors(this.dim, this.kernels, n));
    }
  }

  private rebuild(scope: Scope, target: ScopeVectors): void {
    for (const key of scope.vectors.keys()) target.add(key, scope.vectors.vector(key));
    scope.vectors = target;
  }

  private planesFor(p: LshParams): Float32Array {
    const id = `${p.tables}x${p.bits}`;
    let planes = this.planes.get(id);
    if (!planes) {
      planes = randomHyperplanes(seededRng(this.seed), p.tables * p.bits, p.dim);
      this.planes.set(id, planes);
    }
    return planes;
  }
}
