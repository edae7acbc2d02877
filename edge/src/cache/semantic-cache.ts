import { DurableObject } from 'cloudflare:workers';
import { CACHE_DEFAULTS, CacheStore, exactKey, type CacheSource } from '@proxima/core/cache';
import { embedderFor } from '../embed/embedder.ts';
import type { Env } from '../env.ts';
import { tenantCrypto, type TenantCrypto } from '../crypto/tenant-crypto.ts';
import { edgeKernels } from '../kernels.ts';
import { CACHE_SCHEMA } from './cache-schema.ts';
import type { CachedAnswer } from './replay.ts';
import type { CacheAnswer, CachePut, CacheQuery } from './wire.ts';

const aad = (tenant: string, id: string, part: 'prompt' | 'answer') =>
  JSON.stringify(['cache', part, tenant, id]);

/** A row of the entries table. */
interface EntryRow extends Record<string, SqlStorageValue> {
  id: string;
  scope: string;
  vector: ArrayBuffer;
  prompt: ArrayBuffer;
  answer: ArrayBuffer;
  expires_at: number;
  last_used_at: number;
  tags: string;
  sources: string;
}

function blob(value: SqlStorageValue | undefined): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError('expected a BLOB column');
}

/**
 * One tenant's semantic cache (`idFromName(tenant)`): core's CacheStore in memory, every entry in
 * SQLite with its prompt and answer sealed. The policy (scope, exact key, near-miss guard, LRU,
 * expiry, invalidation) is core's; this object feeds it the clock, persists, and seals.
 */
export class SemanticCache extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private store: CacheStore | null = null;
  private tenant: string | null;
  private crypto: TenantCrypto | null = null;
  private loading: Promise<CacheStore> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(CACHE_SCHEMA);
    const t = this.sql
      .exec<{ v: string }>("SELECT v FROM cache_meta WHERE k = 'tenant'")
      .toArray()[0];
    this.tenant = t?.v ?? null;
  }

  async lookup(q: CacheQuery): Promise<CacheAnswer> {
    const store = await this.ready(q.tenant);
    const now = Date.now();
    const result = store.lookup({
      scope: q.scope,
      exact: exactKey(q.prompt),
      prompt: q.prompt,
      vector: q.vector,
      mode: q.mode,
      threshold: q.threshold,
      now,
    });
    if (result.kind === 'miss') return { kind: 'miss', refused: result.refused?.reason ?? null };
    const row = this.sql.exec('SELECT answer FROM entries WHERE id = ?', result.id).toArray()[0];
    if (row === undefined) {
      store.remove(result.id);
      return { kind: 'miss', refused: null };
    }
    this.sql.exec('UPDATE entries SET last_used_at = ? WHERE id = ?', now, result.id);
    const crypto = await this.cryptoFor(q.tenant);
    const answer = JSON.parse(
      await crypto.openText(blob(row['answer']), aad(q.tenant, result.id, 'answer')),
    ) as CachedAnswer;
    return { kind: result.kind, similarity: result.similarity, answer };
  }

  async put(p: CachePut): Promise<void> {
    const store = await this.ready(p.tenant);
    const now = Date.now();
    const id = crypto.randomUUID();
    const vector = p.vector ?? new Float32Array(store.dim);
    const ttl = Math.min(Math.max(1, Math.floor(p.ttlSeconds)), CACHE_DEFAULTS.maxTtlSeconds);
    const expiresAt = now + ttl * 1000;
    const { evicted } = store.put(
      {
        id,
        scope: p.scope,
        exact: exactKey(p.prompt),
        prompt: p.prompt,
        vector,
        expiresAt,
        tags: p.tags,
        sources: p.sources,
      },
      now,
    );
    const sealer = await this.cryptoFor(p.tenant);
    const [prompt, answer] = await Promise.all([
      sealer.seal(p.prompt, aad(p.tenant, id, 'prompt')),
      sealer.seal(JSON.stringify(p.answer), aad(p.tenant, id, 'answer')),
    ]);
    this.ctx.storage.transactionSync(() => {
      this.deleteRows(evicted);
      this.sql.exec(
        `INSERT INTO entries (id, scope, vector, prompt, answer, expires_at, last_used_at, tags, sources)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        id,
        p.scope,
        new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength),
        prompt,
        answer,
        expiresAt,
        now,
        JSON.stringify(p.tags),
        JSON.stringify(p.sources),
      );
      this.deleteRows(store.expire(now));
    });
  }

  /** Entries built on these documents (or on any document of the namespace) leave the cache. */
  async invalidateSources(
    tenant: string,
    namespace: string,
    docs: readonly string[] | 'all',
  ): Promise<number> {
    const store = await this.ready(tenant);
    const gone =
      docs === 'all'
        ? store.invalidateNamespace(namespace)
        : docs.flatMap((d) => store.invalidateSource(namespace, d));
    this.deleteRows(gone);
    return gone.length;
  }

  async invalidateTags(
    tenant: string,
    by: { readonly tag: string } | { readonly prefix: string },
  ): Promise<number> {
    const store = await this.ready(tenant);
    const gone = 'tag' in by ? store.invalidateTag(by.tag) : store.invalidateTagPrefix(by.prefix);
    this.deleteRows(gone);
    return gone.length;
  }

  async stats(tenant: string): Promise<{ readonly entries: number }> {
    const store = await this.ready(tenant);
    return { entries: store.size };
  }

  private deleteRows(ids: readonly string[]): void {
    for (const id of ids) this.sql.exec('DELETE FROM entries WHERE id = ?', id);
  }

  private async cryptoFor(tenant: string): Promise<TenantCrypto> {
    this.crypto ??= await tenantCrypto(this.env, tenant, 'cache');
    return this.crypto;
  }

  /** The first caller names the tenant for good; the store is loaded once, on first use. */
  private async ready(tenant: string): Promise<CacheStore> {
    if (this.tenant === null) {
      this.sql.exec("INSERT INTO cache_meta (k, v) VALUES ('tenant', ?)", tenant);
      this.tenant = tenant;
    }
    if (this.tenant !== tenant)
      throw new Error(`cache of tenant ${this.tenant} refused a call for ${tenant}`);
    if (this.store !== null) return this.store;
    this.loading ??= this.load(tenant);
    return this.loading;
  }

  private async load(tenant: string): Promise<CacheStore> {
    const store = new CacheStore({ kernels: edgeKernels(), dim: embedderFor(this.env).dim });
    const crypto = await this.cryptoFor(tenant);
    const now = Date.now();
    this.sql.exec('DELETE FROM entries WHERE expires_at <= ?', now);
    const rows = this.sql.exec<EntryRow>('SELECT * FROM entries ORDER BY last_used_at').toArray();
    for (const r of rows) {
      const id = r.id;
      const vector = blob(r.vector);
      if (vector.byteLength !== store.dim * 4) {
        // Written under another embedder: its vectors mean nothing to this one.
        this.deleteRows([id]);
        continue;
      }
      const prompt = await crypto.openText(blob(r.prompt), aad(tenant, id, 'prompt'));
      store.put(
        {
          id,
          scope: r.scope,
          exact: exactKey(prompt),
          prompt,
          vector: new Float32Array(vector.slice().buffer),
          expiresAt: r.expires_at,
          tags: JSON.parse(r.tags) as string[],
          sources: JSON.parse(r.sources) as CacheSource[],
        },
        r.last_used_at,
      );
    }
    this.store = store;
    return store;
  }
}
