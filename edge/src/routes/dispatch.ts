import {
  contextLengthError,
  jobFailureError,
  nodeContextMeasure,
  MODEL_ID_PATTERN,
  ProximaError,
  quote,
  type ChatRequest,
  type ContextMeasure,
  type ModelKind,
} from '@proxima/core/protocol';
import {
  backendsOfKind,
  capableBackends,
  requiredCapabilities,
  Router,
  UPSTREAM_ID_PREFIX,
  upstreamBackends,
  type AttemptFailure,
  type Backend,
  type CapabilityNeed,
  type RouterSnapshot,
  type UpstreamConfig,
} from '@proxima/core/routing';
import { nodeSessionStub, presenceStub, type Env } from '../env.ts';
import type { JobCompletion, NodeSession, Unavailable } from '../node-session/node-session.ts';
import { recordServed } from '../presence/catalogue.ts';
import { registryClient } from '../raft/client/registry.ts';
import { TtlCache } from '../ttl-cache.ts';
import type { UpstreamResult } from '../upstream/attempt.ts';
import { upstreamsOf } from '../upstream/config.ts';
import { inFlight } from '../upstream/in-flight.ts';

const MAX_ATTEMPTS = 3;
const RETRY_AFTER_SECONDS = 5;

export interface Routed<T> {
  /** `node:<id>` or `upstream:<name>`: for logs, metering and x-proxima-backend. */
  readonly backend: string;
  /** The router's id for it, for feedback that arrives after routing (reportStreamFailure). */
  readonly routerId: string;
  readonly value: T;
  /** With `deferOutcome`: when the attempt began and its breaker probe, for reportStreamStart. */
  readonly startedAt: number;
  readonly probe: number | null;
}

/** A job that started on a node and failed before anything reached the client: try elsewhere. */
export interface JobFailed {
  readonly ok: false;
  readonly reason: 'job_failed';
  readonly code: string;
  /** The node's own message: logged, never shown, except the numbers of a context overflow. */
  readonly message?: string;
}

/** A whole (non-streamed) answer, from a node or an upstream; a failed one is a JobFailed. */
export type WholeOutcome = Extract<Extract<JobCompletion, { ok: true }>['outcome'], { t: 'done' }>;

/** One try on one node's session: a value, or why that node cannot take the job. */
export type NodeAttempt<T> = (
  session: DurableObjectStub<NodeSession>,
  nodeId: string,
) => Promise<{ readonly ok: true; readonly value: T } | Unavailable | JobFailed>;

/** One try on one upstream: a value of the same type as the node path's, or a failure. */
export type UpstreamAttempt<T> = (upstream: UpstreamConfig) => Promise<UpstreamResult<T>>;

export interface Attempts<T> {
  readonly node: NodeAttempt<T>;
  readonly upstream: UpstreamAttempt<T>;
}

export interface RouteOptions {
  /** A cut stream resumes with text already sent: only backends that can continue it. */
  readonly continuing?: boolean;
  /** Backends not to try (those that already failed this request). Grows with each attempt. */
  readonly tried?: Set<string>;
  /** The rest of a request already counted (a cut stream): not a new request for the retry budget. */
  readonly resumed?: boolean;
  /**
   * A stream: its attempt's success is known at its first chunk, not when routing hands it over,
   * so the caller reports it (reportStreamStart or reportStreamFailure) with time to first token.
   */
  readonly deferOutcome?: boolean;
  /** The client's request signal: once it fires, no further attempt is placed. */
  readonly signal?: AbortSignal;
  /** The backend that answered this conversation's previous turn (routes/affinity.ts). */
  readonly affinity?: string;
  /** Backends tried at most (default 3); embedding jobs retry once. */
  readonly maxAttempts?: number;
}

/** What routing needs to know of a request. */
export interface RouteSubject {
  readonly model: string;
  /** What the model must be for: chat and completions need 'generate', embeddings 'embed'. */
  readonly kind: ModelKind;
  readonly needs: readonly CapabilityNeed[];
  /** The field a client shortens when its prompt is too long. */
  readonly promptParam: string;
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
  const mapped = upstreamsOf(env).some((u) => Object.hasOwn(u.models, model));
  if (backends.length > 0 || mapped || !MODEL_ID_PATTERN.test(model)) {
    return { known: backends.length > 0 || mapped, backends };
  }
  const registry = await registryClient(env);
  return {
    known: await registry.read({ type: 'knownModel', id: model, at: Date.now() }),
    backends,
  };
}

/** The model's candidates, from this isolate's cache when fresh enough (routeCache). */
export async function routeCandidates(env: Env, model: string): Promise<RouteCandidates> {
  const cached = routeCache.get(model, Date.now());
  if (cached) return cached;
  const entry = await candidates(env, model);
  routeCache.set(model, entry, Date.now());
  return entry;
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

/** What this isolate's router holds now (GET /admin/routing); reading changes nothing. */
export function routingSnapshot(now: number, limit?: number): RouterSnapshot {
  return router.snapshot(now, limit);
}

/**
 * Picks a backend for the model (core/routing: load, liveness, peak-EWMA, breakers) and hands
 * the job to its session. A node that turns out to be gone, draining or failing is skipped and
 * another tried, while the retry budget allows, with fresh candidates from presence; so a stale
 * cache or presence entry costs a retry, not an error. A 404 or 503 is only answered from fresh
 * data. Latency fed back is the attempt's whole time: for a non-streamed job that includes its
 * generation, a crude but honest load signal.
 */
export function routeJob<T>(
  env: Env,
  req: ChatRequest,
  attempts: Attempts<T>,
  options: RouteOptions = {},
): Promise<Routed<T>> {
  const subject: RouteSubject = {
    model: req.model,
    kind: 'generate',
    needs: requiredCapabilities(req),
    promptParam: promptParam(req),
  };
  return routeModel(env, subject, attempts, options);
}

/** routeJob for any kind of request: the model, its kind and needs say where it may go. */
export async function routeModel<T>(
  env: Env,
  req: RouteSubject,
  attempts: Attempts<T>,
  options: RouteOptions = {},
): Promise<Routed<T>> {
  const upstreams = upstreamsOf(env);
  const tried = options.tried ?? new Set<string>();
  let fresh = false;
  /** A failed job's class, when it must not be retried or was the last try. */
  let jobFailure: string | null = null;
  /** The node's message with it (read only for a refused parameter's name). */
  let jobFailureMessage: string | undefined;
  /** Whether the last failure draws on the retry budget (FailureClass.spendsRetryBudget). */
  let rationed = false;
  /** Asking past the breakers, once, for a stream under way (RouteRequest.rescue). */
  let rescue = false;
  /** The largest context among nodes that found the prompt too long, and how they measured it. */
  let tooLong: ContextMeasure | null = null;
  let retryAfter = RETRY_AFTER_SECONDS;
  const needs = req.needs;
  if (options.resumed !== true) router.request(Date.now());
  for (let attempt = 0; attempt < (options.maxAttempts ?? MAX_ATTEMPTS);) {
    throwIfClientLeft(options.signal);
    let entry = fresh ? undefined : routeCache.get(req.model, Date.now());
    if (!entry) {
      entry = await candidates(env, req.model);
      routeCache.set(req.model, entry, Date.now());
      fresh = true;
    }
    // Upstreams are added fresh each time: their in-flight counts are this isolate's own, exact.
    // Only backends whose model can do what the request asks (a 400 naming it when none can).
    const backends = capableBackends(
      backendsOfKind(
        [...entry.backends, ...upstreamBackends(upstreams, req.model, inFlight)],
        req.kind,
        req.model,
      ),
      needs,
      req.model,
    );
    const choice = router.choose(
      backends,
      {
        model: req.model,
        exclude: tried,
        knownModel: entry.known,
        continuing: options.continuing ?? false,
        rescue,
        ...(options.affinity === undefined ? {} : { affinity: options.affinity }),
      },
      Date.now(),
      Math.random,
    );
    if (choice.kind !== 'backend') {
      if (!fresh) {
        fresh = true;
        continue;
      }
      // A request under way (a cut stream, or a job that failed on a node) ends in an error
      // unless someone takes it: ask past the breakers once. The attempt is still rationed.
      if ((options.resumed === true || attempt > 0) && !rescue && choice.kind === 'no_capacity') {
        rescue = true;
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
    // Retries after failures that may come from load are rationed, so they cannot amplify it.
    if (attempt > 0 && rationed && !router.mayRetry(Date.now())) break;
    throwIfClientLeft(options.signal); // candidates took a round trip: it may have left meanwhile
    attempt++;
    const backendId = choice.backend.id;
    tried.add(backendId);
    const started = Date.now();
    if (choice.backend.tier === 'upstream') {
      const name = backendId.slice(UPSTREAM_ID_PREFIX.length);
      const upstream = upstreams.find((u) => u.name === name);
      const result = upstream
        ? await attempts.upstream(upstream).catch((err: unknown) => {
            console.error('dispatch to upstream failed', name, err);
            return { ok: false, reason: 'fault' } as const;
          })
        : ({ ok: false, reason: 'refused' } as const);
      if (result.ok) {
        if (options.deferOutcome !== true)
          router.succeeded(backendId, Date.now() - started, Date.now(), choice.probe);
        return {
          backend: backendId,
          routerId: backendId,
          value: result.value,
          startedAt: started,
          probe: choice.probe,
        };
      }
      // A refusal (a 4xx) says nothing about its health; a fault does.
      const failure: AttemptFailure =
        result.reason === 'fault'
          ? { kind: 'dispatch_threw' }
          : { kind: 'unavailable', reason: 'model_not_served' };
      rationed = router.failed(backendId, failure, Date.now(), choice.probe).spendsRetryBudget;
      continue;
    }
    const result = await attempts
      .node(nodeSessionStub(env, backendId), backendId)
      .catch((err: unknown) => {
        console.error('dispatch to node failed', backendId, err);
        return null;
      });
    if (result?.ok) {
      if (options.deferOutcome !== true)
        router.succeeded(backendId, Date.now() - started, Date.now(), choice.probe);
      return {
        backend: `node:${backendId}`,
        routerId: backendId,
        value: result.value,
        startedAt: started,
        probe: choice.probe,
      };
    }
    const failure: AttemptFailure = !result
      ? { kind: 'dispatch_threw' }
      : result.reason === 'job_failed'
        ? { kind: 'job_error', code: result.code, outputSent: false }
        : { kind: 'unavailable', reason: result.reason };
    const cls = router.failed(backendId, failure, Date.now(), choice.probe);
    rationed = cls.spendsRetryBudget;
    if (result?.reason === 'job_failed') {
      jobFailure = result.code;
      jobFailureMessage = result.message;
      const measured = result.message === undefined ? null : nodeContextMeasure(result.message);
      if (result.code === 'context_length_exceeded' && measured !== null)
        throw contextLengthError(req.model, req.promptParam, measured);
      if (cls.retry === 'never') throw jobFailureError(result.code, result.message);
    }
    routeCache.delete(req.model);
    fresh = false;
    if (result?.reason === 'not_connected') {
      const now = Date.now();
      const models = await presenceStub(env).nodeDisconnected(backendId, undefined, now);
      await recordServed(env, backendId, models, now);
    }
    if (result?.reason === 'context_exceeded' && result.contextSize > (tooLong?.contextSize ?? 0))
      tooLong = {
        by: 'bytes',
        contextSize: result.contextSize,
        promptBytes: result.promptBytes,
        maxPromptBytes: result.maxPromptBytes,
      };
  }
  // The whole answer failed on every node tried: say how, rather than blame capacity.
  if (jobFailure !== null) throw jobFailureError(jobFailure, jobFailureMessage);
  if (tooLong !== null) throw contextLengthError(req.model, req.promptParam, tooLong);
  throw new ProximaError(
    'no_capacity',
    `No backend can serve ${quote(req.model)} right now; retry shortly.`,
    { retryAfter },
  );
}

/**
 * A streamed attempt's first event arrived: its time to first token is the latency the router
 * learns (peak-EWMA), and its breaker counts a success (handing back a half-open probe).
 */
export function reportStreamStart(routed: Routed<unknown>): void {
  const now = Date.now();
  router.succeeded(routed.routerId, now - routed.startedAt, now, routed.probe);
}

/**
 * A streamed job failed after routing handed it over (mid-stream, or before its first chunk):
 * the router learns of it like of any failed attempt. `probe` only when it had not started.
 */
export function reportStreamFailure(
  routed: Routed<unknown>,
  code: string | null,
  started: boolean,
): void {
  const failure = { kind: 'job_error', code, outputSent: started } as const;
  router.failed(routed.routerId, failure, Date.now(), started ? null : routed.probe);
}

/** The field a client shortens when its prompt is too long. */
function promptParam(req: ChatRequest): string {
  return req.prompt === undefined ? 'messages' : 'prompt';
}

/** A client that left while its request was being routed gets no job placed for it. */
function throwIfClientLeft(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new ProximaError('client_closed', 'The client went away before the job was placed.');
  }
}
