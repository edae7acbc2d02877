// Every size and shape limit of the RAG API, defined once: the routes, the shard Durable Object and
// the tests derive their checks from this object.
const MiB = 1024 * 1024;

export const RAG_LIMITS = {
  /**
   * Namespaces name a tenant's corpus. At most 48 characters so that the registry id
   * `rag:<tenant ≤ 64>:<namespace>` (4 + 64 + 1 + 48 = 117) fits ID_PATTERN's 128 characters,
   * with room left for a short shard suffix.
   */
  namespacePattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/,
  namespaceRule: '1-48 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit',
  /** Document ids: 1-512 UTF-8 bytes of well-formed text without control characters (\p{Cc}). */
  documentIdBytes: 512,
  documentsPerRequest: 256,
  /** One document's text, in UTF-8 bytes. */
  documentBytes: 2 * MiB,
  /** The whole ingest request body, in UTF-8 bytes (checked by the route before parsing). */
  ingestBodyBytes: 8 * MiB,
  /** 2 MiB of text at ~1000 new characters a chunk is ~2100 chunks: this leaves twice that. */
  chunksPerDocument: 4096,
  metadataKeys: 32,
  metadataKeyPattern: /^[A-Za-z0-9_.-]{1,64}$/,
  metadataKeyRule: '1-64 characters of A-Z a-z 0-9 _ . -',
  metadataStringChars: 256,
  /** A document's metadata as JSON, in UTF-8 bytes. */
  metadataBytes: 4096,
  queryChars: 4096,
  topKMax: 50,
  topKDefault: 5,
  /** Distinct BM25 terms taken from a query; the rest are ignored. */
  queryTerms: 32,
  filterKeys: 16,
  filterInValues: 32,
  listLimitMax: 100,
  listLimitDefault: 20,
  cursorChars: 1024,
} as const;
