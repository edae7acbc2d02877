// The shape of a cached answer's index entry (the answer itself stays in the Durable Object's
// SQLite) and the checks put() applies, so a bad row fails loudly instead of hiding in an index.
import { hasNonFinite } from '../lsh/checks.ts';
import { ID_PATTERN } from '../protocol/limits.ts';
import { CACHE_DEFAULTS } from './defaults.ts';

export interface CacheSource {
  readonly namespace: string;
  readonly documentId: string;
  /** Version of the document the answer was built on. */
  readonly version: number;
}

export interface CacheEntryInput {
  readonly id: string;
  /** The hashed scope (SHA-256 of cacheScope's material). */
  readonly scope: string;
  /** exactKey(last user turn). */
  readonly exact: string;
  /** The last user turn, for the near-miss guard. */
  readonly prompt: string;
  readonly vector: Float32Array;
  readonly expiresAt: number;
  readonly tags: readonly string[];
  readonly sources: readonly CacheSource[];
}

/** What get(id) returns: the entry without its vector, plus when it was last used. */
export interface CacheEntry extends Omit<CacheEntryInput, 'vector'> {
  readonly lastUsedAt: number;
}

/** Throws a RangeError naming the first field that a store must not accept. */
export function checkEntry(e: CacheEntryInput, dim: number): void {
  const fail = (what: string): never => {
    throw new RangeError(`cache entry ${JSON.stringify(e.id)}: ${what}`);
  };
  if (!ID_PATTERN.test(e.id)) fail('id must match the id pattern');
  if (e.scope === '') fail('scope is empty');
  if (e.exact === '') fail('exact key is empty');
  if (e.vector.length !== dim) fail(`vector has ${e.vector.length} values, the store ${dim}`);
  if (hasNonFinite(e.vector)) fail('vector holds NaN or Infinity');
  if (!Number.isFinite(e.expiresAt)) fail('expiresAt is not a finite number');
  if (e.tags.length > CACHE_DEFAULTS.maxTags) fail(`more than ${CACHE_DEFAULTS.maxTags} tags`);
  for (const t of e.tags) if (!CACHE_DEFAULTS.tagPattern.test(t)) fail(`tag ${JSON.stringify(t)}`);
  for (const s of e.sources) {
    if (s.namespace === '' || s.documentId === '') fail('a source has an empty name');
    if (!Number.isSafeInteger(s.version) || s.version < 0) fail('a source version is not ≥ 0');
  }
}
