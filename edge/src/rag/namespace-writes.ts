// Turns an ingest or a removal into per-shard writes: which shard each chunk goes to (the
// directory's nearest centroid, and during a split also the parent's child), and which shards must
// first drop a document's old chunks.
import {
  placeVector,
  RAG_WIRE_LIMITS,
  type ChunkRecord,
  type ShardDirectory,
} from '@proxima/core/rag';
import type { SplitState } from './namespace-meta.ts';

export interface ShardPlan {
  readonly removeDocs: Set<string>;
  readonly adds: ChunkRecord[];
}

export class WritePlan {
  readonly shards = new Map<string, ShardPlan>();
  private readonly dir: ShardDirectory;
  private readonly split: { readonly parent: string; readonly children: ShardDirectory } | null;

  constructor(
    dir: ShardDirectory,
    split: SplitState | null,
    decode: (s: string) => ShardDirectory,
  ) {
    this.dir = dir;
    this.split = split === null ? null : { parent: split.parent, children: decode(split.children) };
  }

  private plan(shard: string): ShardPlan {
    let p = this.shards.get(shard);
    if (p === undefined) {
      p = { removeDocs: new Set(), adds: [] };
      this.shards.set(shard, p);
    }
    return p;
  }

  /** The document's chunks leave these shards (and, during a split of one, its children too). */
  remove(doc: string, shards: readonly string[]): void {
    for (const shard of shards) {
      this.plan(shard).removeDocs.add(doc);
      if (this.split !== null && shard === this.split.parent)
        for (const child of this.split.children.shards) this.plan(child.id).removeDocs.add(doc);
    }
  }

  /** Places a chunk; returns the directory shard it went to (what the catalogue records). */
  add(chunk: ChunkRecord): string {
    const shard = placeVector(this.dir, chunk.vector);
    const p = this.plan(shard);
    p.removeDocs.add(chunk.doc);
    p.adds.push(chunk);
    if (this.split !== null && shard === this.split.parent) {
      const child = placeVector(this.split.children, chunk.vector);
      const c = this.plan(child);
      c.removeDocs.add(chunk.doc);
      c.adds.push(chunk);
    }
    return shard;
  }
}

/** One shard's plan cut into calls within the wire limits; removals go in the first calls. */
export function batches(plan: ShardPlan): { removeDocs: string[]; adds: ChunkRecord[] }[] {
  const removes = [...plan.removeDocs];
  const out: { removeDocs: string[]; adds: ChunkRecord[] }[] = [];
  let r = 0;
  let a = 0;
  do {
    const removeDocs = removes.slice(r, r + RAG_WIRE_LIMITS.removeDocsPerWrite);
    r += removeDocs.length;
    const adds = r < removes.length ? [] : plan.adds.slice(a, a + RAG_WIRE_LIMITS.chunksPerWrite);
    a += adds.length;
    out.push({ removeDocs, adds });
  } while (r < removes.length || a < plan.adds.length);
  return out;
}
