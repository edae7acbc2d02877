// The one answer path behind every generating route (OpenAI chat, Ollama chat and generate,
// /v1/completions): admission, the semantic cache, RAG grounding, routing with failover, metering.
// Routes parse their own dialect into a ChatRequest and bring a renderer for the wire shape.
import { estimateChatTokens } from '@proxima/core/limits';
import {
  FRAME_MAX_BYTES,
  jobFrameFits,
  ProximaError,
  toJobRequest,
  type Answer,
  type AnswerExtra,
  type AnswerRendering,
  type ChatRequest,
  type FinishReason,
  type StreamFrames,
  type TokenUsage,
} from '@proxima/core/protocol';
import { parseRagOptions } from '@proxima/core/rag';
import { continuableMidStream, NO_PROGRESS, type StreamProgress } from '@proxima/core/routing';
import type { Context } from 'hono';
import type { AuthVariables } from '../auth/require-api-key.ts';
import { completeOnBurst } from '../burst/chat.ts';
import { wholeAnswerEvents } from '../burst/replay-events.ts';
import { cacheHeaders, cacheOptionsOf } from '../cache/chat-cache.ts';
import type { CachedAnswer } from '../cache/replay.ts';
import type { Env } from '../env.ts';
import { admit, settle, type Outcome } from '../metering/meter.ts';
import { JobEventReader, type JobEvent, type JobEventSource } from '../node-session/job-events.ts';
import { ground, groundingSummary } from '../rag/ground.ts';
import { completeFromUpstream, streamFromUpstream } from '../upstream/attempt.ts';
import { affinityFor, rememberAffinity } from './affinity.ts';
import { backendHeaders } from './backend-header.ts';
import {
  consultCacheSafely,
  proximaExtension,
  requestEmbedder,
  sourcesOf,
} from './chat-extensions.ts';
import { reportStreamFailure, reportStreamStart, routeJob } from './dispatch.ts';
import { streamFailoverConfig } from './failover-config.ts';
import { FailoverStream } from './failover-stream.ts';
import { hasImageUrls, withImageData } from './image-urls.ts';

/** How one route's dialect puts an answer on the wire, and replays a cached answer in it. */
export interface AnswerRenderer extends AnswerRendering {
  /** A cached (text) answer, replayed whole or as a stream. */
  replayWhole(cached: CachedAnswer): unknown;
  replayStream(cached: CachedAnswer): ReadableStream<Uint8Array>;
}

export interface AnswerInput {
  /**
   * The request in OpenAI's chat shape (as sent, or translated from another dialect): the cache
   * scopes on its parameters, and its `proxima` field carries the cache and RAG options.
   */
  readonly body: unknown;
  readonly request: ChatRequest;
  readonly renderer: AnswerRenderer;
}

type AnswerContext = Context<{ Bindings: Env; Variables: AuthVariables }>;

const NO_USAGE: TokenUsage = { promptTokens: 0, completionTokens: 0 };

/** Answers a validated request through the whole path; errors before any output are thrown. */
export async function answerRequest(c: AnswerContext, input: AnswerInput): Promise<Response> {
  const { body, request: asked, renderer } = input;
  const auth = c.get('auth');
  const extension = proximaExtension(body);
  const cacheOptions = cacheOptionsOf(c.env, extension.cache);
  const ragOptions = parseRagOptions(extension.rag);
  // A request with image URLs is measured once they are fetched (after admission, below).
  if (!hasImageUrls(asked) && !jobFrameFits(toJobRequest(asked))) throw frameTooLarge();
  const admission = await admit(c.env, auth, estimateChatTokens(asked), asked.model);
  let settled = false;
  const end = (backend: string, usage: TokenUsage, error: string | null, cacheHit = false) => {
    if (settled) return;
    settled = true;
    const outcome: Outcome = {
      model: asked.model,
      backend,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      cacheHit,
      error,
    };
    settle(c.executionCtx, c.env, auth, admission, outcome);
  };
  const signal = c.req.raw.signal;
  try {
    // Image URLs become data before anything reads the request: a node gets bytes, never a URL.
    const original = await withImageData(c.env, asked, body, signal);
    const embedderOf = requestEmbedder(c.env);
    const cache = await consultCacheSafely(
      c.env,
      auth.tenant,
      body,
      original,
      cacheOptions,
      embedderOf,
    );
    if (cache.answer !== null) {
      end('cache', NO_USAGE, null, true);
      const headers = { ...admission.headers, ...cacheHeaders(cache) };
      if (original.stream)
        return new Response(renderer.replayStream(cache.answer), {
          headers: { ...headers, ...renderer.streamHeaders },
        });
      return Response.json(renderer.replayWhole(cache.answer), { headers });
    }
    const grounding =
      ragOptions === null
        ? null
        : await ground(c.env, auth.tenant, original.messages, ragOptions, embedderOf());
    const req: ChatRequest =
      grounding === null ? original : { ...original, messages: grounding.messages };
    const job = toJobRequest(req);
    if (!jobFrameFits(job)) throw frameTooLarge();
    const extra =
      grounding === null ? undefined : { proxima: { rag: groundingSummary(grounding) } };
    const sources = grounding === null ? [] : sourcesOf(grounding);
    const remember = (text: string, finishReason: FinishReason, usage: TokenUsage) =>
      c.executionCtx.waitUntil(
        cache
          .remember(
            { text, finishReason, usage, ...(extra ? { extra: JSON.stringify(extra) } : {}) },
            sources,
          )
          .catch((err: unknown) => {
            console.warn(
              JSON.stringify({ event: 'cache.put_failed', error: String(err).slice(0, 200) }),
            );
          }),
      );
    const answerHeaders = { ...admission.headers, ...cacheHeaders(cache) };
    // The node that answered this conversation's previous turn holds its KV cache. The
    // conversation is the client's messages: retrieved context differs from turn to turn.
    const affinity = await affinityFor(auth.keyId, original.messages);
    // A burst job is a chat request: a raw completion (`prompt`) has no job kind.
    const onBurst =
      req.prompt === undefined ? () => completeOnBurst(c.env, auth.tenant, req, signal) : undefined;
    if (req.stream) {
      const route = (progress: StreamProgress, tried: Set<string>, follow?: string) =>
        routeJob<JobEventSource>(
          c.env,
          req,
          {
            node: async (session) => {
              const emitted = { text: progress.text, chunks: progress.chunks };
              const result = await session.dispatch(job, emitted);
              return result.ok ? { ok: true, value: new JobEventReader(result.events) } : result;
            },
            upstream: (upstream) => streamFromUpstream(c.env, upstream, req, signal),
            // A job answers whole: replayed as a stream, as the cache replays an answer.
            ...(onBurst === undefined ? {} : { burst: () => onBurst().then(wholeAnswerEvents) }),
          },
          {
            continuing: progress.text !== '',
            tried,
            resumed: tried.size > 0,
            deferOutcome: true,
            signal,
            ...(follow === undefined ? {} : { affinity: follow }),
          },
        );
      // Read before routing: a bad setting must not leave a placed job without a reader.
      const failover = streamFailoverConfig(c.env);
      const first = await route(NO_PROGRESS, new Set(), affinity);
      const events = new FailoverStream(first, route, {
        ...failover,
        maxTokens: req.maxTokens ?? null,
        continuable: continuableMidStream(req),
        promptEstimate: estimateChatTokens(req),
        reportStart: reportStreamStart,
        reportFailure: reportStreamFailure,
      });
      // A client that goes away cancels the response stream (workerd finds out on its next write),
      // and with it the job on the node; the signal covers a platform that says so sooner.
      signal.addEventListener('abort', () => void events.cancel());
      return new Response(
        renderStream(renderer.frames(), events, extra, (event) => {
          if (event?.t === 'done') {
            const affine = rememberAffinity(
              auth.keyId,
              original.messages,
              events.text,
              events.routerId,
            );
            c.executionCtx.waitUntil(affine);
            if (events.textOnly) remember(events.text, event.finishReason, event.usage);
          } else logJobFailure(events.backend, event);
          end(
            events.backend,
            event?.t === 'done' ? event.usage : NO_USAGE,
            event?.t === 'done' ? null : errorClass(event),
          );
        }),
        {
          headers: {
            ...answerHeaders,
            ...backendHeaders(c.env, first.backend),
            ...renderer.streamHeaders,
          },
        },
      );
    }
    const { backend, routerId, value } = await routeJob(
      c.env,
      req,
      {
        upstream: (upstream) => completeFromUpstream(c.env, upstream, req, signal),
        ...(onBurst === undefined ? {} : { burst: onBurst }),
        node: async (session, nodeId) => {
          // The job id is ours, so a client that goes away can cancel the job while we wait for it.
          // On Cloudflare the signal fires then; local workerd never fires it for a handler that has
          // not responded yet (tests/cancel.e2e.test.ts pins that), so locally the job runs on.
          const jobId = crypto.randomUUID();
          // The aborted request's own I/O is cancelled with it; waitUntil lets the cancel go out.
          const onAbort = () => c.executionCtx.waitUntil(session.cancel(jobId, 'client went away'));
          signal.addEventListener('abort', onAbort);
          try {
            const result = await session.complete(jobId, job);
            if (!result.ok) return result;
            // Nothing reached the client yet, so a failed job is retried whole elsewhere when
            // its class allows (routeJob asks core/routing/classify).
            if (result.outcome.t === 'error') {
              logJobFailure(`node:${nodeId}`, result.outcome);
              const { code, message } = result.outcome;
              return { ok: false, reason: 'job_failed', code, message };
            }
            return { ok: true, value: result.outcome };
          } finally {
            signal.removeEventListener('abort', onAbort);
          }
        },
      },
      { signal, ...(affinity === undefined ? {} : { affinity }) },
    );
    end(backend, value.usage, null);
    const { answer } = value;
    c.executionCtx.waitUntil(
      rememberAffinity(auth.keyId, original.messages, answer.text, routerId),
    );
    if (answerIsText(answer)) remember(answer.text, value.finishReason, value.usage);
    return Response.json(renderer.whole(answer, value.finishReason, value.usage, extra), {
      headers: { ...answerHeaders, ...backendHeaders(c.env, backend) },
    });
  } catch (err) {
    // Routing found no node (404/503) or the dispatch failed: still counted, still released.
    end('none', NO_USAGE, err instanceof ProximaError ? err.code : 'internal_error');
    throw err;
  }
}

/** Only text answers are cached: a replay carries text, never tool calls or log probabilities. */
function answerIsText(answer: Answer): boolean {
  return answer.toolCalls.length === 0 && answer.reasoning === '' && answer.logprobs === null;
}

function frameTooLarge(): ProximaError {
  return new ProximaError(
    'payload_too_large',
    `The request does not fit in one node frame (${FRAME_MAX_BYTES} bytes); shorten the prompt.`,
  );
}

function errorClass(event: JobEvent | null): string {
  return event === null ? 'node_failed' : event.t === 'error' ? event.code : 'node_failed';
}

/** The node's own words stay in the edge's log; the client gets a classified message. */
function logJobFailure(backend: string, event: JobEvent | null): void {
  console.warn(
    JSON.stringify({
      event: 'job.failed',
      backend,
      code: event?.t === 'error' ? event.code : 'ended_early',
      detail: event?.t === 'error' ? event.message.slice(0, 512) : null,
    }),
  );
}

/** The answer's events as the renderer's frames; `onEnd` once, with the last event. */
function renderStream(
  frames: StreamFrames,
  events: JobEventSource,
  extra: AnswerExtra,
  onEnd: (last: JobEvent | null) => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let started = false;
  let ended = false;
  const finish = (last: JobEvent | null) => {
    if (ended) return;
    ended = true;
    onEnd(last);
  };
  /** The next frame's text ('' when an event renders as nothing), or null after the last. */
  const nextFrame = async (): Promise<string | null> => {
    if (ended) return null;
    if (!started) {
      started = true;
      return frames.start(extra);
    }
    const event = await events.next();
    if (event?.t === 'chunk') return frames.chunk(event);
    const last =
      event?.t === 'done'
        ? frames.done(event.finishReason, event.usage)
        : // A terminal error event, never a silent truncation: clients raise it as an API error.
          frames.error(event?.t === 'error' ? event.code : null);
    finish(event);
    return last;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Each pull sends something or ends the stream: a pull that enqueues nothing is not repeated.
      for (;;) {
        const text = await nextFrame();
        if (text === null) {
          controller.close();
          return;
        }
        if (text !== '') {
          controller.enqueue(encoder.encode(text));
          return;
        }
      }
    },
    async cancel() {
      await events.cancel();
      finish({ t: 'error', code: 'client_closed', message: 'the client went away' });
    },
  });
}
