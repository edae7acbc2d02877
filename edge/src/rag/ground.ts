// `proxima.rag` in a chat request: search the namespace with the last user turn, put the winners
// in front of the model with their chunk ids, and say which document versions were used (for the
// response and for the cache's invalidation).
import { groundMessages, RAG_LIMITS, type RagOptions } from '@proxima/core/rag';
import type { Embedder } from '@proxima/core/embed';
import type { ChatMessage } from '@proxima/core/protocol';
import { tenantCrypto } from '../crypto/tenant-crypto.ts';
import type { Env } from '../env.ts';
import { searchNamespace, type SearchHit } from './search.ts';

export interface Grounding {
  readonly messages: ChatMessage[];
  readonly namespace: string;
  readonly hits: readonly SearchHit[];
}

export async function ground(
  env: Env,
  tenant: string,
  messages: readonly ChatMessage[],
  options: RagOptions,
  embedder: Embedder,
): Promise<Grounding> {
  const query = searchQuery([...messages].reverse().find((m) => m.role === 'user')?.content ?? '');
  const crypto = await tenantCrypto(env, tenant, 'rag');
  const hits =
    query.trim() === ''
      ? []
      : await searchNamespace(
          env,
          { tenant, namespace: options.namespace },
          { query, topK: options.topK, mode: options.mode, filter: options.filter },
          embedder,
          crypto,
        );
  return {
    messages: groundMessages(
      messages,
      hits.map((h) => ({ chunkId: h.chunk_id, text: h.text })),
    ),
    namespace: options.namespace,
    hits,
  };
}

/** The documents a grounded answer used, for the client (`proxima.rag` in the response). */
export function groundingSummary(g: Grounding): {
  readonly namespace: string;
  readonly documents: {
    readonly id: string;
    readonly version: number;
    readonly chunks: string[];
  }[];
} {
  const docs = new Map<string, { id: string; version: number; chunks: string[] }>();
  for (const h of g.hits) {
    const d = docs.get(h.document_id) ?? { id: h.document_id, version: h.version, chunks: [] };
    d.chunks.push(h.chunk_id);
    docs.set(h.document_id, d);
  }
  return { namespace: g.namespace, documents: [...docs.values()] };
}

/** The retrieval query: the last user turn, cut to the search limit (never inside a surrogate pair). */
function searchQuery(turn: string): string {
  if (turn.length <= RAG_LIMITS.queryChars) return turn;
  const cut = turn.slice(0, RAG_LIMITS.queryChars);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}
