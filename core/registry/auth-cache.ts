// The edge's cache of auth answers, validated by the registry's authVersion. Pure: the caller
// passes every time and does every read; this only decides what a cached answer is still worth.
//
// The rule that bounds a revocation's delay: an answer is served from the cache only while the
// cache's version was confirmed by a registry read that *started* at most `freshMs` ago. A
// revocation acknowledged at time r bumps authVersion before r; any read that starts after r sees
// the bump, and the cache drops every answer once it learns of it. So from r + freshMs on, no
// isolate answers from an entry cached before the revocation.
import type { AuthRecord } from './auth.ts';

export interface AuthCacheOptions {
  /** The bound on how late a revocation or a change of limits takes effect. */
  readonly freshMs: number;
  /** After this long without a confirmation, a hit should refresh in the background. */
  readonly refreshAfterMs: number;
  /**
   * While the registry cannot be reached, a stale answer still serves up to this age. No
   * revocation can commit without a leader, so this only matters if this isolate is cut off from
   * a majority that others still reach.
   */
  readonly outageGraceMs: number;
  readonly maxEntries: number;
}

export const AUTH_CACHE_DEFAULTS: AuthCacheOptions = {
  freshMs: 1000,
  refreshAfterMs: 500,
  outageGraceMs: 30_000,
  maxEntries: 10_000,
};

export type CacheLookup =
  | { readonly kind: 'hit'; readonly record: AuthRecord; readonly refresh: boolean }
  /**
   * Cached, but the version is unconfirmed for too long: confirm it, then look again. If the
   * registry cannot be reached, `record` may serve while `usableInOutage`.
   */
  | { readonly kind: 'stale'; readonly record: AuthRecord; readonly usableInOutage: boolean }
  | { readonly kind: 'miss' };

export class AuthCache {
  private readonly options: AuthCacheOptions;
  private readonly entries = new Map<string, AuthRecord>();
  /** The newest authVersion a read has shown; -1 before any. */
  private version = -1;
  /** When the read that last confirmed `version` started. */
  private confirmedAt = Number.NEGATIVE_INFINITY;

  constructor(options: AuthCacheOptions = AUTH_CACHE_DEFAULTS) {
    this.options = options;
  }

  get size(): number {
    return this.entries.size;
  }

  lookup(hash: string, now: number): CacheLookup {
    const record = this.entries.get(hash);
    if (!record) return { kind: 'miss' };
    if (record.expiresAt !== null && now >= record.expiresAt) {
      this.entries.delete(hash);
      return { kind: 'miss' };
    }
    const age = now - this.confirmedAt;
    if (age > this.options.freshMs)
      return { kind: 'stale', record, usableInOutage: age <= this.options.outageGraceMs };
    return { kind: 'hit', record, refresh: age > this.options.refreshAfterMs };
  }

  /**
   * What a registry read that started at `startedAt` showed: the authVersion, and for an auth
   * read the key's record. Returns whether the record may be cached (only one read at the newest
   * version may be: an older read's answer can be stale).
   */
  observe(
    version: number,
    startedAt: number,
    found?: { readonly hash: string; readonly record: AuthRecord | null },
  ): boolean {
    if (version < this.version) return false;
    if (version > this.version) {
      this.entries.clear();
      this.version = version;
      this.confirmedAt = startedAt;
    } else if (startedAt > this.confirmedAt) {
      this.confirmedAt = startedAt;
    }
    if (!found) return false;
    if (found.record === null) {
      this.entries.delete(found.hash);
      return false;
    }
    this.entries.delete(found.hash);
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(found.hash, found.record);
    return true;
  }

  /** Forgets every answer (an admin change made in this isolate). */
  clear(): void {
    this.entries.clear();
    this.confirmedAt = Number.NEGATIVE_INFINITY;
  }
}
