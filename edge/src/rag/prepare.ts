// The Worker's half of an ingest: plain text, chunks with overlap, one embedding per chunk, BM25
// term hashes, and each chunk's text sealed under the tenant's key. The objects downstream only
// ever see vectors, hashes and ciphertext.
import { embedAll, type Embedder } from '@proxima/core/embed';
import {
  chunkText,
  encodeTerms,
  termsOf,
  toPlainText,
  type IngestDocument,
  type PreparedDocument,
} from '@proxima/core/rag';
import type { TenantCrypto } from '../crypto/tenant-crypto.ts';
import { chunkAad } from './aad.ts';

const utf8 = new TextEncoder();

export async function prepareDocuments(
  docs: readonly IngestDocument[],
  embedder: Embedder,
  crypto: TenantCrypto,
  place: { readonly tenant: string; readonly namespace: string },
  signal?: AbortSignal,
): Promise<PreparedDocument[]> {
  const chunked = docs.map((d) => ({ doc: d, chunks: chunkText(toPlainText(d.text, d.format)) }));
  const texts = chunked.flatMap((c) => c.chunks.map((k) => k.text));
  const vectors = await embedAll(embedder, texts, signal ? { signal } : {});
  const starts: number[] = [];
  chunked.reduce((at, c) => (starts.push(at), at + c.chunks.length), 0);
  return Promise.all(
    chunked.map(async ({ doc, chunks }, d) => ({
      id: doc.id,
      format: doc.format,
      metadata: JSON.stringify(doc.metadata ?? {}),
      bytes: utf8.encode(doc.text).length,
      chunks: await Promise.all(
        chunks.map(async (c, i) => ({
          index: c.index,
          vector: vectors[starts[d]! + i]!,
          terms: encodeTerms(termsOf(c.text)),
          sealed: await crypto.seal(c.text, chunkAad(place, doc.id, c.index)),
        })),
      ),
    })),
  );
}

/** Rough size of a prepared document on the wire, to cut a big ingest into calls of bounded size. */
export function wireBytes(doc: PreparedDocument): number {
  let n = 256 + doc.metadata.length + doc.id.length;
  for (const c of doc.chunks)
    n += 64 + c.vector.byteLength + c.terms.byteLength + c.sealed.byteLength;
  return n;
}
