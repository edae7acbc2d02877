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
  BURST_BACKEND_ID,
  BURST_BACKEND_NAME,
  backendsOfKind,
  burstBackends,
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
import { burstModelsOf } from '../burst/config.ts';
import { isClientFault } from '../burst/errors.ts';
import { nodeSessionStub, presenceStub, type Env } from '../env.ts';
import type { JobCompletion, NodeSession, Unavailable } from '../node-session/node-session.ts';
import { recordServed } from '../presence/catalogue.ts';
import { registryClient } from '../raft/client/registry.ts';
import { TtlCache } from '../ttl-cache.ts';
import type { UpstreamResult } from '../upstream/attempt.ts';
import { upstreamsOf } from '../upstream/config.ts';
import { acquire, inFlight } from '../upstream/in-flight.ts';

const MAX_ATTEMPTS = 3;
const RETRY_AFTER_SECONDS = 5;

export interface Routed<T> {
  /** `node:<id>`, `upstream:<name>` or `azure`: for logs, metering and x-proxima-backend. */
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

/** One try on the burst tier (a job on the Function App): a value, or a ProximaError thrown. */
export type BurstAttempt<T> = () => Promise<T>;

export interface Attempts<T> {
  readonly node: NodeAttempt<T>;
  readonly upstream: UpstreamAttempt<T>;
  /** Absent: the request cannot be a burst job (a raw completion, an embedding). */
  readonly burst?: BurstAttempt<T>;
}

/**
 * The key of burst jobs in this isolate's in-flight counts: not a valid upstream name (core's
 * ID_PATTERN has no '/'), so never counted with one.
 */
const BURST_IN_FLIGHT = 'burst/azure';

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
  const mapped =
    upstreamsOf(env).some((u) => Object.hasOwn(u.models, model)) ||
    burstModelsOf(env).some((m) => m.model === model);
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
  /** The burst tier's failure, when it was tried and failed through no fault of the request. */
  let burstFailure: ProximaError | null = null;
  const needs = req.needs;
  const burstModels = attempts.burst === undefined ? [] : burstModelsOf(env);
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
        [
          ...entry.backends,
          ...upstreamBackends(upstreams, req.model, inFlight),
          ...burstBackends(burstModels, req.model, inFlight(BURST_IN_FLIGHT)),
        ],
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
    if (choice.backend.tier === 'burst') {
      const outcome = await onBurst(attempts.burst, choice.probe);
      if (outcome.ok) {
        if (options.deferOutcome !== true)
          router.succeeded(backendId, Date.now() - started, Date.now(), choice.probe);
        return {
          backend: BURST_BACKEND_NAME,
          routerId: backendId,
          value: outcome.value,
          startedAt: started,
          probe: choice.probe,
        };
      }
      rationed = outcome.spendsRetryBudget;
      if (outcome.final) throw outcome.error;
      burstFailure = outcome.error;
      continue;
    }
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
  // The burst tier is tried last: its failure is the latest word.
  if (burstFailure !== null) throw burstFailure;
  // The whole answer failed on every node tried: say how, rather than blame capacity.
  if (jobFailure !== null) throw jobFailureError(jobFailure, jobFailureMessage);
  if (tooLong !== null) throw contextLengthError(req.model, req.promptParam, tooLong);
  throw new ProximaError(
    'no_capacity',
    `No backend can serve ${quote(req.model)} right now; retry shortly.`,
    { retryAfter },
  );
}

type BurstOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly error: ProximaError;
      /** No other backend should be tried: the request is at fault, or its wait is spent. */
      readonly final: boolean;
      readonly spendsRetryBudget: boolean;
    };

/**
 * Runs one burst attempt, counted in this isolate's in-flight jobs, and feeds its failure to the
 * router: a refusal of the request itself (a 400, an unknown model) is neutral, like an
 * upstream's 4xx; a failed or timed-out job counts against the Function App's breaker.
 */
async function onBurst<T>(
  attempt: BurstAttempt<T> | undefined,
  probe: number | null,
): Promise<BurstOutcome<T>> {
  const release = acquire(BURST_IN_FLIGHT);
  let error: ProximaError;
  try {
    if (attempt === undefined) throw new Error('no burst attempt for this request');
    return { ok: true, value: await attempt() };
  } catch (err) {
    if (!(err instanceof ProximaError)) console.error('burst attempt failed', err);
    error =
      err instanceof ProximaError
        ? err
        : new ProximaError('upstream_error', 'The burst service failed.');
  } finally {
    release();
  }
  const refused = isClientFault(error) || error.code === 'client_closed';
  const failure: AttemptFailure = refused
    ? { kind: 'unavailable', reason: 'model_not_served' }
    : { kind: 'job_error', code: error.code, outputSent: false };
  const cls = router.failed(BURST_BACKEND_ID, failure, Date.now(), probe);
  const final = refused || error.code === 'upstream_timeout';
  return { ok: false, error, final, spendsRetryBudget: cls.spendsRetryBudget };
}

/**
 * One job on the burst tier outside chat routing (OCR, transcription): the Function App is their
 * only backend, under the same breaker and latency learning as the chat jobs routed to it.
 */
export async function runOnBurst<T>(model: string, attempt: BurstAttempt<T>): Promise<T> {
  const now = Date.now();
  router.request(now);
  const backends = burstBackends([{ model, capabilities: [] }], model, inFlight(BURST_IN_FLIGHT));
  const choice = router.choose(backends, { model }, now, Math.random);
  if (choice.kind !== 'backend')
    throw new ProximaError(
      'no_capacity',
      'The burst service is not taking jobs right now; retry shortly.',
      {
        retryAfter: choice.kind === 'no_capacity' ? choice.retryAfterSeconds : RETRY_AFTER_SECONDS,
      },
    );
  const started = Date.now();
  const outcome = await onBurst(attempt, choice.probe);
  if (!outcome.ok) throw outcome.error;
  router.succeeded(BURST_BACKEND_ID, Date.now() - started, Date.now(), choice.probe);
  return outcome.value;
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
