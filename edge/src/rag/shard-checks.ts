// The checks an LshShard runs on every call before it touches storage: the caller's identity
// against the one the shard was created with, and the shape of what it sends. A failed check is a
// bug in the caller (the Worker or the namespace object), so it throws rather than answers.
import {
  RAG_WIRE_LIMITS,
  type ChunkRecord,
  type ShardIdentity,
  type ShardWrite,
} from '@proxima/core/rag';

/** Sealed text may be at most the largest chunk, 4 bytes per character, plus the AES-GCM framing. */
const SEALED_MAX_BYTES = 1600 * 4 + 64;
const TERMS_MAX_BYTES = 64 * 1024;
const METADATA_MAX_CHARS = 4096;

export class ShardCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShardCallError';
  }
}

export function sameIdentity(a: ShardIdentity, b: ShardIdentity): boolean {
  return a.tenant === b.tenant && a.namespace === b.namespace && a.shard === b.shard;
}

export function checkIdentity(stored: ShardIdentity | null, caller: ShardIdentity): void {
  if (stored !== null && !sameIdentity(stored, caller)) {
    throw new ShardCallError(
      `shard ${stored.shard} belongs to ${stored.tenant}/${stored.namespace}; refused a call for ${caller.tenant}/${caller.namespace}/${caller.shard}`,
    );
  }
}

function checkChunk(c: ChunkRecord, dim: number, at: number): void {
  const where = `adds[${at}]`;
  if (typeof c.doc !== 'string' || c.doc === '') throw new ShardCallError(`${where}.doc is empty`);
  if (!Number.isSafeInteger(c.version) || c.version < 1)
    throw new ShardCallError(`${where}.version must be a positive integer`);
  if (!Number.isSafeInteger(c.index) || c.index < 0)
    throw new ShardCallError(`${where}.index must be a non-negative integer`);
  if (!(c.vector instanceof Float32Array) || c.vector.length !== dim)
    throw new ShardCallError(`${where}.vector must be a Float32Array of ${dim}`);
  for (const x of c.vector)
    if (!Number.isFinite(x)) throw new ShardCallError(`${where}.vector has a non-finite value`);
  if (!(c.terms instanceof Uint8Array) || c.terms.length > TERMS_MAX_BYTES)
    throw new ShardCallError(`${where}.terms must be at most ${TERMS_MAX_BYTES} bytes`);
  if (!(c.sealed instanceof Uint8Array) || c.sealed.length > SEALED_MAX_BYTES)
    throw new ShardCallError(`${where}.sealed must be at most ${SEALED_MAX_BYTES} bytes`);
  if (typeof c.metadata !== 'string' || c.metadata.length > METADATA_MAX_CHARS)
    throw new ShardCallError(
      `${where}.metadata must be JSON text of at most ${METADATA_MAX_CHARS}`,
    );
}

export function checkWrite(w: ShardWrite): void {
  if (!Number.isInteger(w.dim) || w.dim < 1 || w.dim > 4096)
    throw new ShardCallError('dim must be an integer in 1..4096');
  if (w.adds.length > RAG_WIRE_LIMITS.chunksPerWrite)
    throw new ShardCallError(`at most ${RAG_WIRE_LIMITS.chunksPerWrite} chunks per write`);
  if (w.removeDocs.length > RAG_WIRE_LIMITS.removeDocsPerWrite)
    throw new ShardCallError(`at most ${RAG_WIRE_LIMITS.removeDocsPerWrite} removals per write`);
  w.adds.forEach((c, i) => checkChunk(c, w.dim, i));
}
