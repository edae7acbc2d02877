import { DurableObject } from 'cloudflare:workers';
import {
  afterSplit,
  decodeDirectory,
  encodeDirectory,
  placeVector,
  registryNamespaceKey,
  rootDirectory,
  SHARD_LIMITS,
  shardId,
  type ChunkRecord,
  type DocumentVersion,
  type NamespaceIdentity,
  type NamespaceIngest,
  type NamespaceRefusal,
  type NamespaceRoute,
  type ShardDirectory,
  type ShardIdentity,
} from '@proxima/core/rag';
import { mixingError } from '@proxima/core/embed';
import { intVar, type Env } from '../env.ts';
import { RegistryClient } from '../raft/client/registry-client.ts';
import { invalidateCachedAnswers } from './cache-invalidation.ts';
import { NamespaceCatalog, type DocumentRow } from './namespace-catalog.ts';
import { NamespaceMeta } from './namespace-meta.ts';
import { NAMESPACE_SCHEMA } from './namespace-schema.ts';
import { batches, WritePlan } from './namespace-writes.ts';
import { shardStub } from './stubs.ts';

/** A failed split step is tried again after this long. */
const SPLIT_RETRY_MS = 5000;

/**
 * One tenant's RAG namespace (`idFromName("<tenant>/<namespace>")`): the catalogue of documents
 * and their versions, the shard directory (whose ids and version the registry holds), and the only
 * writer of the namespace's shards. Writes and split steps run one at a time under a lock, so a
 * split's copy never races a write; searches go from Workers straight to the shards.
 */
export class RagNamespace extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly meta: NamespaceMeta;
  private readonly catalog: NamespaceCatalog;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(NAMESPACE_SCHEMA);
    this.meta = new NamespaceMeta(this.sql);
    this.catalog = new NamespaceCatalog(this.sql);
  }

  /** Stores documents (a re-posted id replaces the old version); answers their new versions. */
  ingest(
    req: NamespaceIngest,
  ): Promise<{ readonly ok: true; readonly documents: DocumentVersion[] } | NamespaceRefusal> {
    return this.locked(async () => {
      this.claim(req);
      const stamp = this.meta.embedder();
      const mixed =
        stamp === null
          ? null
          : mixingError(stamp.embedder, stamp.dim, { id: req.embedder, dim: req.dim });
      if (mixed !== null) return { ok: false, code: 'conflict', message: mixed.message } as const;
      const dir = await this.ensureDirectory(req);
      const plan = new WritePlan(dir, this.meta.split(), decodeDirectory);
      const now = Date.now();
      const rows: { doc: DocumentRow; shards: Set<string>; replaced: boolean }[] = [];
      for (const d of req.documents) {
        const prev = this.catalog.document(d.id);
        plan.remove(d.id, this.catalog.shardsOf(d.id));
        const version = (prev?.version ?? 0) + 1;
        const shards = new Set<string>();
        for (const c of d.chunks) {
          const record: ChunkRecord = { ...c, doc: d.id, version, metadata: d.metadata };
          shards.add(plan.add(record));
        }
        rows.push({
          doc: {
            id: d.id,
            version,
            chunks: d.chunks.length,
            format: d.format,
            metadata: d.metadata,
            bytes: d.bytes,
            updatedAt: now,
            deleted: false,
          },
          shards,
          replaced: prev !== null,
        });
      }
      await this.apply(req, plan, stamp ?? { embedder: req.embedder, dim: req.dim });
      this.ctx.storage.transactionSync(() => {
        if (stamp === null) this.meta.setEmbedder({ embedder: req.embedder, dim: req.dim });
        for (const r of rows) {
          this.catalog.put(r.doc);
          this.catalog.setShards(r.doc.id, r.shards);
        }
      });
      const replaced = rows.filter((r) => r.replaced).map((r) => r.doc.id);
      if (replaced.length > 0) await invalidateCachedAnswers(this.env, req, replaced);
      await this.maybeSplit(dir);
      return {
        ok: true,
        documents: rows.map((r) => ({
          id: r.doc.id,
          version: r.doc.version,
          chunks: r.doc.chunks,
        })),
      } as const;
    });
  }

  /** Deletes a document's chunks everywhere; its version is kept so a re-post counts on from it. */
  remove(
    caller: NamespaceIdentity,
    id: string,
  ): Promise<{ readonly found: boolean; readonly version: number | null }> {
    return this.locked(async () => {
      this.check(caller);
      const prev = this.catalog.document(id);
      const dir = this.meta.directory();
      const stamp = this.meta.embedder();
      if (prev === null || prev.deleted || dir === null || stamp === null)
        return { found: false, version: null };
      const plan = new WritePlan(dir, this.meta.split(), decodeDirectory);
      plan.remove(id, this.catalog.shardsOf(id));
      await this.apply(caller, plan, stamp);
      this.ctx.storage.transactionSync(() => {
        this.catalog.put({ ...prev, chunks: 0, deleted: true, updatedAt: Date.now() });
        this.catalog.setShards(id, []);
      });
      await invalidateCachedAnswers(this.env, caller, [id]);
      return { found: true, version: prev.version };
    });
  }

  list(
    caller: NamespaceIdentity,
    after: string | null,
    limit: number,
  ): { readonly exists: boolean; readonly documents: DocumentRow[]; readonly more: boolean } {
    this.check(caller);
    if (this.meta.embedder() === null) return { exists: false, documents: [], more: false };
    const rows = this.catalog.list(after, limit + 1);
    return { exists: true, documents: rows.slice(0, limit), more: rows.length > limit };
  }

  /** How to route a query, or null when the namespace holds nothing (never written, or dropped). */
  route(caller: NamespaceIdentity): NamespaceRoute | null {
    this.check(caller);
    const stamp = this.meta.embedder();
    const dir = this.meta.directory();
    if (stamp === null || dir === null) return null;
    return { ...stamp, directory: encodeDirectory(dir) };
  }

  /** Figures for operators and tests. */
  describe(caller: NamespaceIdentity): {
    /** Whether it holds an index (written to, not dropped): what search and listing go by too. */
    readonly exists: boolean;
    readonly documents: number;
    readonly version: number | null;
    readonly shards: { readonly id: string; readonly rows: number }[];
    readonly splitting: string | null;
  } {
    this.check(caller);
    const dir = this.meta.directory();
    return {
      exists: this.meta.embedder() !== null,
      documents: this.catalog.liveCount(),
      version: dir?.version ?? null,
      shards: (dir?.shards ?? []).map((s) => ({ id: s.id, rows: this.catalog.rowsOf(s.id) })),
      splitting: this.meta.split()?.parent ?? null,
    };
  }

  /**
   * Drops every document. The directory moves to a fresh, empty root shard first, then the old
   * shards retire, so a Worker still routing by the old directory is told to look again.
   */
  drop(caller: NamespaceIdentity): Promise<{ readonly dropped: boolean }> {
    return this.locked(async () => {
      this.check(caller);
      const dir = this.meta.directory();
      if (dir === null || this.meta.embedder() === null) return { dropped: false };
      const split = this.meta.split();
      const old = [
        ...dir.shards.map((s) => s.id),
        ...(split === null ? [] : decodeDirectory(split.children).shards.map((s) => s.id)),
      ];
      const seq = this.meta.nextSeq();
      const next: ShardDirectory = {
        version: dir.version + 1,
        shards: [{ id: shardId(caller.tenant, caller.namespace, seq), centroid: null }],
      };
      await this.publish(caller, next);
      this.ctx.storage.transactionSync(() => {
        this.meta.setNextSeq(seq + 1);
        this.meta.setDirectory(next);
        this.meta.setSplit(null);
        this.meta.setEmbedder(null);
        this.catalog.clear();
      });
      await Promise.all(
        old.map((id) => shardStub(this.env, id).retire(this.shard(caller, id), next.version)),
      );
      await invalidateCachedAnswers(this.env, caller, 'all');
      return { dropped: true };
    });
  }

  /** Drives a split one step at a time: plan, copy a batch, …, switch. */
  override async alarm(): Promise<void> {
    try {
      const more = await this.locked(() => this.splitStep());
      if (more) await this.ctx.storage.setAlarm(Date.now());
    } catch (err) {
      console.error(
        JSON.stringify({
          event: 'rag.split_failed',
          error: err instanceof Error ? err.message.slice(0, 500) : String(err),
        }),
      );
      await this.ctx.storage.setAlarm(Date.now() + SPLIT_RETRY_MS);
    }
  }

  private async splitStep(): Promise<boolean> {
    const id = this.meta.identity();
    const dir = this.meta.directory();
    const stamp = this.meta.embedder();
    if (id === null || dir === null || stamp === null) return false;
    const split = this.meta.split();
    if (split === null) {
      const parent = this.oversized(dir);
      if (parent === null) return false;
      const stub = shardStub(this.env, parent);
      const { lastRow } = await stub.stats(this.shard(id, parent));
      const [a, b] = await stub.splitCentroids(this.shard(id, parent), dir.version);
      if (a === undefined || b === undefined) throw new Error(`shard ${parent} gave no centroids`);
      const seq = this.meta.nextSeq();
      const children: ShardDirectory = {
        version: 1,
        shards: [
          { id: shardId(id.tenant, id.namespace, seq), centroid: a },
          { id: shardId(id.tenant, id.namespace, seq + 1), centroid: b },
        ],
      };
      this.ctx.storage.transactionSync(() => {
        this.meta.setNextSeq(seq + 2);
        this.meta.setSplit({
          parent,
          children: encodeDirectory(children),
          until: lastRow,
          cursor: 0,
        });
      });
      return true;
    }
    const children = decodeDirectory(split.children);
    const parent = shardStub(this.env, split.parent);
    const { rows, last } = await parent.exportRows(
      this.shard(id, split.parent),
      split.cursor,
      split.until,
      500,
    );
    const byChild = new Map<string, ChunkRecord[]>();
    for (const row of rows) {
      const child = placeVector(children, row.vector);
      byChild.set(child, [...(byChild.get(child) ?? []), row]);
    }
    await Promise.all(
      [...byChild].map(([child, adds]) =>
        shardStub(this.env, child).write({
          ...this.shard(id, child),
          ...stamp,
          removeDocs: [],
          adds,
        }),
      ),
    );
    if (last !== null) {
      this.meta.setSplit({ ...split, cursor: last });
      return true;
    }
    const [left, right] = children.shards as [
      ShardDirectory['shards'][0],
      ShardDirectory['shards'][0],
    ];
    const next = afterSplit(dir, split.parent, [left, right]);
    // Queries move to the children with this publish: a parent that was being searched hands
    // them a loaded index, so the first queries there do not pay for loading it.
    if ((await parent.stats(this.shard(id, split.parent))).loaded)
      await Promise.all(
        [left, right].map((c) => shardStub(this.env, c.id).warm(this.shard(id, c.id))),
      );
    await this.publish(id, next);
    const sizes = await Promise.all(
      [left, right].map((c) => shardStub(this.env, c.id).stats(this.shard(id, c.id))),
    );
    this.ctx.storage.transactionSync(() => {
      this.meta.setDirectory(next);
      this.meta.setSplit(null);
      this.catalog.replaceShard(split.parent, [left.id, right.id]);
      this.catalog.forgetShard(split.parent);
      this.catalog.setRows(left.id, sizes[0]!.rows);
      this.catalog.setRows(right.id, sizes[1]!.rows);
    });
    await parent.retire(this.shard(id, split.parent), next.version);
    console.log(
      JSON.stringify({
        event: 'rag.split',
        namespace: id.namespace,
        parent: split.parent,
        children: [left.id, right.id],
        rows: sizes.map((s) => s.rows),
        version: next.version,
      }),
    );
    return this.oversized(next) !== null;
  }

  /** The largest shard over the split threshold, or null. */
  private oversized(dir: ShardDirectory): string | null {
    const threshold = intVar(
      this.env.RAG_SHARD_SPLIT_CHUNKS,
      SHARD_LIMITS.splitAtChunks,
      16,
      1_000_000,
    );
    if (dir.shards.length + 1 > SHARD_LIMITS.maxShardsPerNamespace) return null;
    let best: string | null = null;
    let most = threshold;
    for (const s of dir.shards) {
      const rows = this.catalog.rowsOf(s.id);
      if (rows > most) {
        best = s.id;
        most = rows;
      }
    }
    return best;
  }

  private async maybeSplit(dir: ShardDirectory): Promise<void> {
    if (this.meta.split() === null && this.oversized(dir) !== null)
      await this.ctx.storage.setAlarm(Date.now());
  }

  /** Sends each shard its part of a plan; shards in parallel, each shard's calls in order. */
  private async apply(
    id: NamespaceIdentity,
    plan: WritePlan,
    stamp: { readonly embedder: string; readonly dim: number },
  ): Promise<void> {
    const results = await Promise.all(
      [...plan.shards].map(async ([shard, part]) => {
        const stub = shardStub(this.env, shard);
        let rows = 0;
        for (const call of batches(part))
          ({ rows } = await stub.write({ ...this.shard(id, shard), ...stamp, ...call }));
        return [shard, rows] as const;
      }),
    );
    for (const [shard, rows] of results) this.catalog.setRows(shard, rows);
  }

  /** The directory, made (one empty root shard, recorded in the registry) on the first write. */
  private async ensureDirectory(id: NamespaceIdentity): Promise<ShardDirectory> {
    const known = this.meta.directory();
    if (known !== null) return known;
    const registry = new RegistryClient(this.env);
    const current = await registry.read({
      type: 'shardMap',
      namespace: registryNamespaceKey(id.tenant, id.namespace),
    });
    // A namespace object that lost its storage finds its map in the registry: count on from it.
    const seq = Math.max(this.meta.nextSeq(), ...(current?.shards ?? []).map((s) => seqOf(s) + 1));
    const root = rootDirectory(shardId(id.tenant, id.namespace, seq));
    const dir: ShardDirectory = { ...root, version: (current?.version ?? 0) + 1 };
    await this.publish(id, dir);
    this.ctx.storage.transactionSync(() => {
      this.meta.setNextSeq(seq + 1);
      this.meta.setDirectory(dir);
    });
    return dir;
  }

  /** Records a directory's shard ids and version in the registry: the commit point of a switch. */
  private async publish(id: NamespaceIdentity, dir: ShardDirectory): Promise<void> {
    const registry = new RegistryClient(this.env);
    const namespace = registryNamespaceKey(id.tenant, id.namespace);
    const shards = dir.shards.map((s) => s.id);
    const result = await registry.propose({
      v: 1,
      type: 'shards.set',
      namespace,
      version: dir.version,
      shards,
    });
    if (result.ok) return;
    // A retry whose first answer was lost finds its own map already there.
    const now = await registry.read({ type: 'shardMap', namespace });
    if (now !== null && now.version === dir.version && now.shards.join('\n') === shards.join('\n'))
      return;
    throw new Error(`shard map of ${namespace} was not recorded: ${result.message}`);
  }

  private shard(id: NamespaceIdentity, shard: string): ShardIdentity {
    return { tenant: id.tenant, namespace: id.namespace, shard };
  }

  /** The first caller names the namespace for good; every later one must name the same. */
  private claim(caller: NamespaceIdentity): void {
    if (this.meta.identity() === null) this.meta.setIdentity(caller);
    this.check(caller);
  }

  private check(caller: NamespaceIdentity): void {
    const id = this.meta.identity();
    if (id !== null && (id.tenant !== caller.tenant || id.namespace !== caller.namespace))
      throw new Error(
        `namespace object of ${id.tenant}/${id.namespace} refused a call for ${caller.tenant}/${caller.namespace}`,
      );
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/** The number at the end of a shard id (`tenant:namespace:7`); 0 when there is none. */
function seqOf(shard: string): number {
  const n = Number(shard.slice(shard.lastIndexOf(':') + 1));
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}
