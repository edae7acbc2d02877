import { estimateChatTokens } from '@proxima/core/limits';
import {
  chunkBody,
  chunkDeltaOf,
  completionBody,
  FRAME_MAX_BYTES,
  jobFailureError,
  jobFrameFits,
  parseChatRequest,
  ProximaError,
  SSE_DONE,
  sseEvent,
  usageChunkBody,
  type Answer,
  type ChatRequest,
  type CompletionIdentity,
  type FinishReason,
  type TokenUsage,
} from '@proxima/core/protocol';
import { parseRagOptions } from '@proxima/core/rag';
import { continuableMidStream, NO_PROGRESS, type StreamProgress } from '@proxima/core/routing';
import { Hono } from 'hono';
import { requireApiKey, type AuthVariables } from '../auth/require-api-key.ts';
import { cacheHeaders, cacheOptionsOf } from '../cache/chat-cache.ts';
import { replayJson, replayStream } from '../cache/replay.ts';
import type { Env } from '../env.ts';
import { ground, groundingSummary } from '../rag/ground.ts';
import {
  consultCacheSafely,
  proximaExtension,
  requestEmbedder,
  sourcesOf,
} from './chat-extensions.ts';
import { admit, settle, type Outcome } from '../metering/meter.ts';
import { JobEventReader, type JobEvent, type JobEventSource } from '../node-session/job-events.ts';
import { completeFromUpstream, streamFromUpstream } from '../upstream/attempt.ts';
import { backendHeaders } from './backend-header.ts';
import { reportStreamFailure, reportStreamStart, routeJob, toJobRequest } from './dispatch.ts';
import { affinityFor, rememberAffinity } from './affinity.ts';
import { streamFailoverConfig } from './failover-config.ts';
import { FailoverStream } from './failover-stream.ts';
import { readJsonBody } from './read-json.ts';

export const chat = new Hono<{ Bindings: Env; Variables: AuthVariables }>();

const NO_USAGE: TokenUsage = { promptTokens: 0, completionTokens: 0 };

chat.post('/v1/chat/completions', requireApiKey('chat'), async (c) => {
  const auth = c.get('auth');
  const body = await readJsonBody(c.req.raw, c.env);
  const original = parseChatRequest(body);
  const extension = proximaExtension(body);
  const cacheOptions = cacheOptionsOf(c.env, extension.cache);
  const ragOptions = parseRagOptions(extension.rag);
  if (!jobFrameFits(toJobRequest(original))) throw frameTooLarge();
  const admission = await admit(c.env, auth, estimateChatTokens(original), original.model);
  let settled = false;
  const end = (backend: string, usage: TokenUsage, error: string | null, cacheHit = false) => {
    if (settled) return;
    settled = true;
    const outcome: Outcome = {
      model: original.model,
      backend,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      cacheHit,
      error,
    };
    settle(c.executionCtx, c.env, auth, admission, outcome);
  };
  const who: CompletionIdentity = {
    id: `chatcmpl-${crypto.randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model: original.model,
  };
  const signal = c.req.raw.signal;
  try {
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
        return new Response(replayStream(who, cache.answer, original.includeUsage), {
          headers: { ...headers, ...SSE_HEADERS },
        });
      return Response.json(replayJson(who, cache.answer), { headers });
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
        sseStream(who, req, events, extra, (event) => {
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
          headers: { ...answerHeaders, ...backendHeaders(c.env, first.backend), ...SSE_HEADERS },
        },
      );
    }
    const { backend, routerId, value } = await routeJob(
      c.env,
      req,
      {
        upstream: (upstream) => completeFromUpstream(c.env, upstream, req, signal),
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
              return { ok: false, reason: 'job_failed', code: result.outcome.code };
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
    return Response.json(
      { ...completionBody(who, answer, value.finishReason, value.usage), ...extra },
      { headers: { ...answerHeaders, ...backendHeaders(c.env, backend) } },
    );
  } catch (err) {
    // Routing found no node (404/503) or the dispatch failed: still counted, still released.
    end('none', NO_USAGE, err instanceof ProximaError ? err.code : 'internal_error');
    throw err;
  }
});

/** Only text answers are cached: a replay carries text, never tool calls or log probabilities. */
function answerIsText(answer: Answer): boolean {
  return answer.toolCalls.length === 0 && answer.reasoning === '' && answer.logprobs === null;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
} as const;

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

function sseStream(
  who: CompletionIdentity,
  req: ChatRequest,
  events: JobEventSource,
  extra: Readonly<Record<string, unknown>> | undefined,
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
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const send = (text: string) => controller.enqueue(encoder.encode(text));
      if (!started) {
        started = true;
        // Extension fields (which documents grounded the answer) ride on the first chunk.
        send(sseEvent({ ...chunkBody(who, { role: 'assistant', content: '' }, null), ...extra }));
        return;
      }
      const event = await events.next();
      if (event?.t === 'chunk') {
        const logprobs = req.logprobs === null ? null : (event.logprobs ?? []);
        send(sseEvent(chunkBody(who, chunkDeltaOf(event), null, logprobs)));
        return;
      }
      if (event?.t === 'done') {
        send(sseEvent(chunkBody(who, {}, event.finishReason)));
        if (req.includeUsage) send(sseEvent(usageChunkBody(who, event.usage)));
        send(SSE_DONE);
      } else {
        // A terminal error event, never a silent truncation: clients raise it as an API error.
        send(sseEvent(jobFailureError(event?.t === 'error' ? event.code : null).toBody()));
      }
      finish(event);
      controller.close();
    },
    async cancel() {
      await events.cancel();
      finish({ t: 'error', code: 'client_closed', message: 'the client went away' });
    },
  });
}
