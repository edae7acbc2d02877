export interface TtlCacheOptions<V> {
  readonly ttlMs: number;
  readonly maxEntries: number;
  /** Budget for keys and values together, as `sizeOf` measures them. */
  readonly maxBytes: number;
  /** Approximate bytes an entry holds; default: the key's length at two bytes a character plus 64. */
  readonly sizeOf?: (key: string, value: V) => number;
}

interface Entry<V> {
  readonly value: V;
  readonly expires: number;
  readonly bytes: number;
}

/**
 * A small per-isolate cache with expiry, bounded in entries and in bytes. Workers keep module
 * state between requests in the same isolate, so this saves Durable Object round trips on the hot
 * path; correctness never depends on a hit. Every entry lives the same TTL and a write moves its
 * key to the end, so the map's order is expiry order: expired entries are swept from the front on
 * each write, and the oldest go first when a bound is reached.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly options: TtlCacheOptions<V>;
  private totalBytes = 0;

  constructor(options: TtlCacheOptions<V>) {
    this.options = options;
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, now: number): void {
    this.delete(key);
    const bytes = this.options.sizeOf?.(key, value) ?? key.length * 2 + 64;
    if (bytes > this.options.maxBytes) return; // would evict everything else; not worth caching
    this.sweep(now);
    while (
      this.entries.size > 0 &&
      (this.entries.size >= this.options.maxEntries ||
        this.totalBytes + bytes > this.options.maxBytes)
    ) {
      this.dropOldest();
    }
    this.entries.set(key, { value, expires: now + this.options.ttlMs, bytes });
    this.totalBytes += bytes;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.totalBytes = 0;
  }

  /** Drops expired entries; they sit at the front. */
  private sweep(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expires > now) return;
      this.entries.delete(key);
      this.totalBytes -= entry.bytes;
    }
  }

  private dropOldest(): void {
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.delete(oldest.value);
  }
}
