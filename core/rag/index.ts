// Public API of @proxima/core/rag: text → chunks → BM25 terms, shard-local BM25 and its exact
// cross-shard merge, rank fusion, and the RAG API's limits and request schemas.
export { RAG_LIMITS } from './limits.ts';
export { toPlainText, decodeEntities, type TextFormat } from './plain-text.ts';
export { chunkText, CHUNK_DEFAULTS, type Chunk, type ChunkOptions } from './chunk.ts';
export { analyze, termId, termsOf, queryTermIds, BM25_STOPWORDS } from './terms.ts';
export { encodeTerms, decodeTerms, MAX_STORED_TF } from './term-codec.ts';
export { BM25_DEFAULTS, bm25Idf, type Bm25Params } from './bm25-score.ts';
export { Bm25Index, type Bm25Hit, type Bm25ShardAnswer } from './bm25.ts';
export { bm25Merge, type Bm25Scored } from './bm25-merge.ts';
export { fuseRanks, RRF_K, type FuseOptions, type Fused } from './fusion.ts';
export {
  matchesFilter,
  type Filter,
  type FilterCondition,
  type Metadata,
  type MetadataValue,
} from './filter.ts';
export {
  parseIngestBody,
  parseSearchBody,
  parseNamespace,
  parseDocumentId,
  TEXT_FORMATS,
  SEARCH_MODES,
  type SearchMode,
  type IngestDocument,
  type SearchRequest,
} from './schema.ts';

// Vector side: one shard's vector index, and the namespace's shard directory and split rules.
export {
  ShardEngine,
  type ShardEngineOptions,
  type ShardSearchOptions,
  type ShardHit,
  type TrainedCells,
} from './shard-engine.ts';
export {
  SHARD_LIMITS,
  rootDirectory,
  placeVector,
  probeShards,
  chooseProbes,
  fixedProbe,
  checkProbePolicy,
  DEFAULT_PROBE_POLICY,
  planSplit,
  afterSplit,
  shouldSplit,
  shardId,
  registryNamespaceKey,
  encodeDirectory,
  decodeDirectory,
  type ShardRoute,
  type ShardDirectory,
  type ProbePolicy,
} from './shard-map.ts';

// The objects' wire, the cross-shard merge and chat grounding.
export {
  RAG_WIRE_LIMITS,
  type ChunkRef,
  type ChunkRecord,
  type NamespaceIdentity,
  type ShardIdentity,
  type EmbedderStamp,
  type ShardWrite,
  type ShardQuery,
  type StoredHit,
  type ShardBm25,
  type ShardAnswer,
  type PreparedDocument,
  type NamespaceIngest,
  type DocumentVersion,
  type NamespaceRefusal,
  type NamespaceRoute,
} from './wire.ts';
export { mergeAnswers, chunkKey, HYBRID_FUSION, type RankedChunk } from './merge.ts';
export {
  parseRagOptions,
  groundMessages,
  groundingMessage,
  type RagOptions,
  type GroundingSource,
} from './grounding.ts';
