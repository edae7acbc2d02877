import {
  MODEL_ID_PATTERN,
  ProximaError,
  quote,
  type ChatRequest,
  type JobRequest,
} from '@proxima/core/protocol';
import { Router, type Backend } from '@proxima/core/routing';
import { nodeSessionStub, presenceStub, type Env } from '../env.ts';
import type { NodeSession, Unavailable } from '../node-session/node-session.ts';
import { recordServed } from '../presence/catalogue.ts';
import { registryClient } from '../raft/client/registry.ts';
import { TtlCache } from '../ttl-cache.ts';

const MAX_ATTEMPTS = 3;
const RETRY_AFTER_SECONDS = 5;

export interface Routed<T> {
  readonly nodeId: string;
  readonly value: T;
}

/** One try on one node's session: a value, or why that node cannot take the job. */
export type NodeAttempt<T> = (
  session: DurableObjectStub<NodeSession>,
) => Promise<{ readonly ok: true; readonly value: T } | Unavailable>;

export function toJobRequest(req: ChatRequest): JobRequest {
  return {
    model: req.model,
    messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
    maxTokens: req.maxTokens ?? null,
    temperature: req.temperature,
    topP: req.topP,
    stop: [...req.stop],
    seed: req.seed ?? null,
  };
}

export interface RouteCandidates {
  /** Served recently (503 and retry when no node has it now), not unknown (404). */
  readonly known: boolean;
  readonly backends: Backend[];
}

/**
 * Connected nodes, with load and liveness, from presence; only when none serves the model does
 * the replicated catalogue say whether it is known (a cold path: the answer is an error either way).
 */
async function candidates(env: Env, model: string): Promise<RouteCandidates> {
  const backends = await presenceStub(env).backends(model, Date.now());
  if (backends.length > 0 || !MODEL_ID_PATTERN.test(model)) {
    return { known: backends.length > 0, backends };
  }
  const registry = await registryClient(env);
  return {
    known: await registry.read({ type: 'knownModel', id: model, at: Date.now() }),
    backends,
  };
}

/**
 * Candidate lists per model, per isolate, for a second: load figures move with every heartbeat,
 * and a stale entry costs a retry, never an error.
 */
const ROUTE_CACHE_TTL_MS = 1000;
const routeCache = new TtlCache<RouteCandidates>({
  ttlMs: ROUTE_CACHE_TTL_MS,
  maxEntries: 1000,
  maxBytes: 2 * 1024 * 1024,
  sizeOf: (model, entry) => model.length * 2 + 128 + entry.backends.length * 320,
});

/** This isolate's routing memory: peak-EWMA latencies, breakers, the retry budget. */
const router = new Router();

/**
 * Picks a backend for the model (core/routing: load, liveness, peak-EWMA, breakers) and hands
 * the job to its session. A node that turns out to be gone, draining or failing is skipped and
 * another tried, while the retry budget allows, with fresh candidates from presence; so a stale
 * cache or presence entry costs a retry, not an error. A 404 or 503 is only answered from fresh
 * data. Latency fed back is the attempt's whole time: for a non-streamed job that includes its
 * generation, a crude but honest load signal.
 */
export async function routeJob<T>(
  env: Env,
  req: ChatRequest,
  attemptOn: NodeAttempt<T>,
): Promise<Routed<T>> {
  const tried = new Set<string>();
  let fresh = false;
  /** The largest context among nodes that refused the prompt as certainly too long. */
  let tooLongFor = 0;
  let retryAfter = RETRY_AFTER_SECONDS;
  router.request(Date.now());
  for (let attempt = 0; attempt < MAX_ATTEMPTS;) {
    let entry = fresh ? undefined : routeCache.get(req.model, Date.now());
    if (!entry) {
      entry = await candidates(env, req.model);
      routeCache.set(req.model, entry, Date.now());
      fresh = true;
    }
    const choice = router.choose(
      entry.backends,
      { model: req.model, exclude: tried, knownModel: entry.known },
      Date.now(),
      Math.random,
    );
    if (choice.kind !== 'backend') {
      if (!fresh) {
        fresh = true;
        continue;
      }
      if (choice.kind === 'unknown_model') {
        throw new ProximaError(
          'model_not_found',
          `The model ${quote(req.model)} does not exist or no node serves it.`,
          { param: 'model' },
        );
      }
      retryAfter = choice.retryAfterSeconds;
      break;
    }
    if (attempt > 0 && !router.mayRetry(Date.now())) break; // retries must not amplify an outage
    attempt++;
    const nodeId = choice.backend.id;
    tried.add(nodeId);
    const started = Date.now();
    const result = await attemptOn(nodeSessionStub(env, nodeId)).catch((err: unknown) => {
      console.error('dispatch to node failed', nodeId, err);
      return null;
    });
    if (result?.ok) {
      router.succeeded(nodeId, Date.now() - started, Date.now(), choice.probe);
      return { nodeId, value: result.value };
    }
    router.failed(
      nodeId,
      result ? { kind: 'unavailable', reason: result.reason } : { kind: 'dispatch_threw' },
      Date.now(),
      choice.probe,
    );
    routeCache.delete(req.model);
    fresh = false;
    if (result?.reason === 'not_connected') {
      const now = Date.now();
      const models = await presenceStub(env).nodeDisconnected(nodeId, undefined, now);
      await recordServed(env, nodeId, models, now);
    }
    if (result?.reason === 'context_exceeded')
      tooLongFor = Math.max(tooLongFor, result.contextSize);
  }
  if (tooLongFor > 0) {
    throw new ProximaError(
      'context_length_exceeded',
      `The prompt is longer than the context window of ${quote(req.model)} (${tooLongFor} tokens); shorten the conversation.`,
      { param: 'messages' },
    );
  }
  throw new ProximaError(
    'no_capacity',
    `No node can serve ${quote(req.model)} right now; retry shortly.`,
    { retryAfter },
  );
}
