// What the Worker, the RagNamespace object and the LshShard objects send each other. Chunk text
// travels sealed (AES-GCM by the Worker), so neither object ever holds a tenant's plaintext.
import type { Bm25ShardAnswer } from './bm25.ts';
import type { Filter } from './filter.ts';

/** One chunk of one version of a document. */
export interface ChunkRef {
  readonly doc: string;
  readonly version: number;
  readonly index: number;
}

/** A chunk as the Worker prepared it: unit vector, term hashes, sealed text, the document's metadata. */
export interface ChunkRecord extends ChunkRef {
  readonly vector: Float32Array;
  /** encodeTerms of the chunk's analysed text. */
  readonly terms: Uint8Array;
  readonly sealed: Uint8Array;
  /** The document's metadata as JSON text ("{}" when it has none). */
  readonly metadata: string;
}

/** A tenant's namespace: every call to its objects names both, and the objects check them. */
export interface NamespaceIdentity {
  readonly tenant: string;
  readonly namespace: string;
}

/** Who may touch a shard: its tenant and namespace are fixed when it is first written. */
export interface ShardIdentity extends NamespaceIdentity {
  readonly shard: string;
}

/** The embedder an index was built with; a write or a query with another one is refused. */
export interface EmbedderStamp {
  readonly embedder: string;
  readonly dim: number;
}

export interface ShardWrite extends ShardIdentity, EmbedderStamp {
  /** Every chunk of these documents is removed before `adds` are stored (a replace or a delete). */
  readonly removeDocs: readonly string[];
  readonly adds: readonly ChunkRecord[];
}

export interface ShardQuery extends ShardIdentity, EmbedderStamp {
  /** The directory version the caller routed by: a retired shard answers `stale` to older ones. */
  readonly version: number;
  /** Null: lexical search only. */
  readonly vector: Float32Array | null;
  /** Query term hashes (empty: vector search only). */
  readonly terms: readonly number[];
  /** Candidates wanted from each list. */
  readonly k: number;
  readonly filter: Filter | null;
}

/** A stored chunk as a search returns it. */
export interface StoredHit extends ChunkRef {
  readonly sealed: Uint8Array;
  readonly metadata: string;
}

export interface ShardBm25 extends Omit<Bm25ShardAnswer, 'hits'> {
  readonly hits: readonly (StoredHit & {
    readonly row: number;
    readonly length: number;
    readonly tf: readonly number[];
  })[];
}

export type ShardAnswer =
  | { readonly ok: false; readonly stale: true; readonly retiredAt: number }
  | {
      readonly ok: true;
      readonly vector: readonly (StoredHit & { readonly score: number })[];
      readonly bm25: ShardBm25;
    };

/** One document of an ingest, prepared by the Worker (chunked, embedded, sealed). */
export interface PreparedDocument {
  readonly id: string;
  readonly format: string;
  /** JSON text of the document's metadata. */
  readonly metadata: string;
  /** UTF-8 bytes of the document's text as posted. */
  readonly bytes: number;
  readonly chunks: readonly Omit<ChunkRecord, 'doc' | 'version' | 'metadata'>[];
}

export interface NamespaceIngest extends NamespaceIdentity, EmbedderStamp {
  readonly documents: readonly PreparedDocument[];
}

export interface DocumentVersion {
  readonly id: string;
  readonly version: number;
  readonly chunks: number;
}

/** What a namespace refuses without touching anything. */
export interface NamespaceRefusal {
  readonly ok: false;
  readonly code: 'conflict' | 'not_found' | 'payload_too_large';
  readonly message: string;
}

/** How a Worker routes a query: the directory, and the embedder the index was built with. */
export interface NamespaceRoute extends EmbedderStamp {
  /** encodeDirectory of the current directory. */
  readonly directory: string;
}

/** Largest batches the objects accept in one call; the callers cut their work to fit. */
export const RAG_WIRE_LIMITS = {
  chunksPerWrite: 512,
  removeDocsPerWrite: 256,
  /** Candidates per list per shard in one query. */
  candidatesPerList: 400,
  /** Rows per split copy step. */
  rowsPerCopy: 500,
} as const;
