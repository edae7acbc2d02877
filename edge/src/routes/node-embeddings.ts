// Embeddings by a connected node's embedding model: the request is split into jobs whose frames
// fit (core's embedJobBatches), each routed like a chat job (load, breakers, one retry on another
// node), admitted and metered once for the whole request.
import { estimateEmbeddingTokens, type EmbeddingRequest } from '@proxima/core/embed';
import { embedJobBatches, ProximaError, quote, type EmbedJobRequest } from '@proxima/core/protocol';
import type { Context } from 'hono';
import type { AuthVariables } from '../auth/require-api-key.ts';
import type { Env } from '../env.ts';
import { admit, settle } from '../metering/meter.ts';
import type { EmbedCompletion, NodeSession } from '../node-session/node-session.ts';
import { backendHeaders } from './backend-header.ts';
import { routeCandidates, routeModel, type NodeAttempt, type RouteSubject } from './dispatch.ts';
import type { Embedded } from './embeddings.ts';

type EmbedContext = Context<{ Bindings: Env; Variables: AuthVariables }>;

type Vectors = Extract<Extract<EmbedCompletion, { ok: true }>['outcome'], { t: 'embedding' }>;

/** A job that failed on a node moves to another one once; then the client hears of it. */
const EMBED_ATTEMPTS = 2;

/**
 * Whether routing knows `model` (a connected node or an upstream serves it, or the catalogue saw
 * it): then an embeddings request for it is routed, and answered 400 when it is not an embedding
 * model. Any other name keeps the configured embedder's answer.
 */
export async function routedEmbeddingModel(env: Env, model: string): Promise<boolean> {
  return (await routeCandidates(env, model)).known;
}

/** Embeds on the nodes serving `req.model` as an embedding model, admitted and metered. */
export async function embedOnNodes(c: EmbedContext, req: EmbeddingRequest): Promise<Embedded> {
  const auth = c.get('auth');
  const signal = c.req.raw.signal;
  const subject: RouteSubject = {
    model: req.model,
    kind: 'embed',
    needs: [],
    promptParam: 'input',
  };
  const jobs = embedJobBatches(req.model, req.input, req.dimensions);
  const admission = await admit(c.env, auth, estimateEmbeddingTokens(req.input), req.model);
  let backend = 'none';
  let promptTokens = 0;
  const vectors: Float32Array[] = [];
  const end = (error: string | null) =>
    settle(c.executionCtx, c.env, auth, admission, {
      model: req.model,
      backend,
      promptTokens: error === null ? promptTokens : 0,
      completionTokens: 0,
      cacheHit: false,
      error,
    });
  try {
    // One after another, like embedAll's batches: one request does not flood the nodes.
    for (const job of jobs) {
      const routed = await routeModel(
        c.env,
        subject,
        {
          node: (session, nodeId) => embedJob(c, session, nodeId, job),
          upstream: () => Promise.resolve({ ok: false, reason: 'refused' } as const),
        },
        { signal, maxAttempts: EMBED_ATTEMPTS },
      );
      if (backend === 'none') backend = routed.backend;
      const dim = vectors[0]?.length ?? routed.value.vectors[0]?.length;
      if (routed.value.vectors.some((v) => v.length !== dim)) throw disagreeingNodes(req.model);
      vectors.push(...routed.value.vectors);
      promptTokens += routed.value.promptTokens;
    }
  } catch (err) {
    end(err instanceof ProximaError ? err.code : 'internal_error');
    throw err;
  }
  end(null);
  return {
    model: req.model,
    vectors,
    promptTokens,
    headers: { ...admission.headers, ...backendHeaders(c.env, backend) },
  };
}

/** One job on one node; the client going away cancels it there. */
const embedJob = async (
  c: EmbedContext,
  session: DurableObjectStub<NodeSession>,
  nodeId: string,
  job: EmbedJobRequest,
): ReturnType<NodeAttempt<Vectors>> => {
  const signal = c.req.raw.signal;
  const jobId = crypto.randomUUID();
  const onAbort = () => c.executionCtx.waitUntil(session.cancel(jobId, 'client went away'));
  signal.addEventListener('abort', onAbort);
  try {
    const result = await session.embed(jobId, job);
    if (!result.ok) return result;
    if (result.outcome.t === 'error') {
      const { code, message } = result.outcome;
      // The node's words stay in the log; the client gets a classified message.
      console.warn(
        JSON.stringify({
          event: 'job.failed',
          backend: `node:${nodeId}`,
          code,
          detail: message.slice(0, 512),
        }),
      );
      return { ok: false, reason: 'job_failed', code, message };
    }
    return { ok: true, value: result.outcome };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
};

/** Two nodes serving one model id gave vectors of different lengths within one request. */
function disagreeingNodes(model: string): ProximaError {
  return new ProximaError(
    'node_failed',
    `The nodes serving ${quote(model)} gave vectors of different lengths; retry, or ask for 'dimensions'.`,
  );
}
