import {
  embedAll,
  embeddingListBody,
  estimateEmbeddingTokens,
  parseEmbeddingRequest,
  type EmbeddingRequest,
} from '@proxima/core/embed';
import { ProximaError, quote } from '@proxima/core/protocol';
import { Hono, type Context } from 'hono';
import { requireApiKey, type AuthVariables } from '../auth/require-api-key.ts';
import { configuredEmbedder, embeddingModelOf } from '../embed/embedder.ts';
import type { Env } from '../env.ts';
import { admit, settle } from '../metering/meter.ts';
import { embedOnNodes, routedEmbeddingModel } from './node-embeddings.ts';
import { readJsonBody } from './read-json.ts';

export const embeddings = new Hono<{ Bindings: Env; Variables: AuthVariables }>();

// The 'chat' scope covers embeddings: a key that may send text to a model may have it embedded,
// and OpenAI's keys make no difference between the two either.
embeddings.post('/v1/embeddings', requireApiKey('chat'), async (c) => {
  const req = parseEmbeddingRequest(await readJsonBody(c.req.raw, c.env));
  const { model, vectors, promptTokens, headers } = await embedRequest(c, req);
  return c.json(embeddingListBody(model, vectors, req.encodingFormat, promptTokens), 200, {
    ...headers,
  });
});

export interface Embedded {
  readonly model: string;
  readonly vectors: Float32Array[];
  readonly promptTokens: number;
  /** The admission's headers (rate limits). */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Embeds a validated request, admitted and metered: the one path behind POST /v1/embeddings and
 * Ollama's POST /api/embed. The configured embedder's model is served by the edge; a model that
 * routing knows goes to the nodes serving it as an embedding model (node-embeddings.ts).
 */
export async function embedRequest(
  c: Context<{ Bindings: Env; Variables: AuthVariables }>,
  req: EmbeddingRequest,
): Promise<Embedded> {
  if (req.model !== embeddingModelOf(c.env) && (await routedEmbeddingModel(c.env, req.model)))
    return embedOnNodes(c, req);
  const auth = c.get('auth');
  const { model, embedder, backend } = configuredEmbedder(c.env);
  if (req.model !== model) {
    throw new ProximaError(
      'model_not_found',
      `The model ${quote(req.model)} does not exist; the embeddings model here is ${quote(model)}.`,
      { param: 'model' },
    );
  }
  // One embedder, one dimension: an index built from these vectors must match what RAG stores.
  if (req.dimensions !== undefined && req.dimensions !== embedder.dim) {
    throw new ProximaError(
      'unsupported_parameter',
      `Invalid 'dimensions': ${model} gives ${embedder.dim} dimensions only.`,
      { param: 'dimensions' },
    );
  }
  const promptTokens = estimateEmbeddingTokens(req.input);
  const admission = await admit(c.env, auth, promptTokens, model);
  const end = (error: string | null) =>
    settle(c.executionCtx, c.env, auth, admission, {
      model,
      backend,
      promptTokens: error === null ? promptTokens : 0,
      completionTokens: 0,
      cacheHit: false,
      error,
    });
  let vectors: Float32Array[];
  try {
    vectors = await embedAll(embedder, req.input, { signal: c.req.raw.signal });
  } catch (err) {
    end(err instanceof ProximaError ? err.code : 'internal_error');
    throw err;
  }
  end(null);
  return { model, vectors, promptTokens, headers: admission.headers };
}
