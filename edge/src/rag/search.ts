// A search from the Worker: embed the query, pick the shards nearest to it from the cached
// directory (adaptive probing), ask them in parallel, merge (cosine list, BM25 rescored over the
// visited shards, reciprocal rank fusion) and open the winners' text. The shards visited are at
// most RAG_PROBE_MAX_SHARDS, so the work of a query does not grow with the corpus
// (docs/design/0017-rag-and-cache.md).
import { ProximaError } from '@proxima/core/protocol';
import { mixingError, type Embedder } from '@proxima/core/embed';
import {
  mergeAnswers,
  probeShards,
  queryTermIds,
  RAG_WIRE_LIMITS,
  SHARD_LIMITS,
  type NamespaceIdentity,
  type ProbePolicy,
  type SearchRequest,
} from '@proxima/core/rag';
import { intVar, numberVar, type Env } from '../env.ts';
import type { TenantCrypto } from '../crypto/tenant-crypto.ts';
import { chunkAad } from './aad.ts';
import { forgetRoute, routeOf } from './directory-cache.ts';
import { shardStub } from './stubs.ts';

export interface SearchHit {
  readonly document_id: string;
  readonly chunk_id: string;
  readonly version: number;
  readonly score: number;
  readonly text: string;
  readonly metadata: Record<string, unknown>;
}

/** Tries with a fresh directory after a shard said it was retired (a split or a drop went by). */
const ATTEMPTS = 3;

export function probePolicy(env: Env): ProbePolicy {
  const maxShards = intVar(
    env.RAG_PROBE_MAX_SHARDS,
    SHARD_LIMITS.probeMaxShards,
    1,
    SHARD_LIMITS.maxShardsPerNamespace,
  );
  const minShards = intVar(
    env.RAG_PROBE_MIN_SHARDS,
    Math.min(SHARD_LIMITS.probeMinShards, maxShards),
    1,
    maxShards,
  );
  const delta = numberVar(env.RAG_PROBE_DELTA, SHARD_LIMITS.probeDelta, 0, 2);
  return { minShards, maxShards, delta };
}

export function notFound(namespace: string): ProximaError {
  return new ProximaError(
    'not_found',
    `RAG namespace '${namespace}' does not exist: no documents were posted to it, or it was dropped.`,
    { param: 'namespace' },
  );
}

export async function searchNamespace(
  env: Env,
  id: NamespaceIdentity,
  req: SearchRequest,
  embedder: Embedder,
  crypto: TenantCrypto,
): Promise<SearchHit[]> {
  const [vector] = await embedder.embed([req.query]);
  // A query of punctuation alone embeds to zero: it has no direction, so only BM25 can answer.
  const directionless = vector!.every((x) => x === 0);
  const terms = req.mode === 'vector' ? [] : queryTermIds(req.query);
  const candidates = Math.min(RAG_WIRE_LIMITS.candidatesPerList, Math.max(40, req.topK * 4));
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const route = await routeOf(env, id);
    if (route === null) throw notFound(id.namespace);
    const mixed = mixingError(route.embedder, route.dim, embedder);
    if (mixed !== null) throw mixed;
    const shards = probeShards(route.directory, vector!, probePolicy(env));
    const answers = await Promise.all(
      shards.map(async (shard) => ({
        shard,
        answer: await shardStub(env, shard).search({
          tenant: id.tenant,
          namespace: id.namespace,
          shard,
          embedder: route.embedder,
          dim: route.dim,
          version: route.directory.version,
          vector: req.mode === 'bm25' || directionless ? null : vector!,
          terms,
          k: candidates,
          filter: req.filter ?? null,
        }),
      })),
    );
    const ok = answers.flatMap((a) => (a.answer.ok ? [{ shard: a.shard, answer: a.answer }] : []));
    if (ok.length < answers.length) {
      forgetRoute(id);
      continue;
    }
    const ranked = mergeAnswers(ok, req.topK, req.mode, candidates);
    return Promise.all(
      ranked.map(async (r) => ({
        document_id: r.doc,
        chunk_id: `${r.doc}#${r.index}`,
        version: r.version,
        score: r.score,
        text: await crypto.openText(r.sealed, chunkAad(id, r.doc, r.index)),
        metadata: JSON.parse(r.metadata) as Record<string, unknown>,
      })),
    );
  }
  throw new ProximaError(
    'no_capacity',
    `RAG namespace '${id.namespace}' is being re-sharded; retry shortly.`,
    { retryAfter: 1 },
  );
}
