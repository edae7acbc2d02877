import { estimateChatTokens } from '@proxima/core/limits';
import {
  chunkBody,
  completionBody,
  FRAME_MAX_BYTES,
  jobFailureError,
  jobFrameFits,
  parseChatRequest,
  ProximaError,
  SSE_DONE,
  sseEvent,
  usageChunkBody,
  type ChatRequest,
  type CompletionIdentity,
  type TokenUsage,
} from '@proxima/core/protocol';
import { NO_PROGRESS, type StreamProgress } from '@proxima/core/routing';
import { Hono } from 'hono';
import { requireApiKey, type AuthVariables } from '../auth/require-api-key.ts';
import type { Env } from '../env.ts';
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
  const req = parseChatRequest(await readJsonBody(c.req.raw, c.env));
  const job = toJobRequest(req);
  if (!jobFrameFits(job)) {
    throw new ProximaError(
      'payload_too_large',
      `The request does not fit in one node frame (${FRAME_MAX_BYTES} bytes); shorten the prompt.`,
    );
  }
  const admission = await admit(c.env, auth, estimateChatTokens(req), req.model);
  let settled = false;
  const end = (backend: string, usage: TokenUsage, error: string | null) => {
    if (settled) return;
    settled = true;
    const outcome: Outcome = {
      model: req.model,
      backend,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      cacheHit: false,
      error,
    };
    settle(c.executionCtx, c.env, auth, admission, outcome);
  };
  const who: CompletionIdentity = {
    id: `chatcmpl-${crypto.randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model: req.model,
  };
  const signal = c.req.raw.signal;
  // The node that answered this conversation's previous turn holds its KV cache.
  const affinity = await affinityFor(auth.keyId, req.messages);
  try {
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
        promptEstimate: estimateChatTokens(req),
        reportStart: reportStreamStart,
        reportFailure: reportStreamFailure,
      });
      // A client that goes away cancels the response stream (workerd finds out on its next write),
      // and with it the job on the node; the signal covers a platform that says so sooner.
      signal.addEventListener('abort', () => void events.cancel());
      return new Response(
        sseStream(who, req, events, (event) => {
          if (event?.t === 'done') {
            const remember = rememberAffinity(
              auth.keyId,
              req.messages,
              events.text,
              events.routerId,
            );
            c.executionCtx.waitUntil(remember);
          } else logJobFailure(events.backend, event);
          end(
            events.backend,
            event?.t === 'done' ? event.usage : NO_USAGE,
            event?.t === 'done' ? null : errorClass(event),
          );
        }),
        {
          headers: {
            ...admission.headers,
            ...backendHeaders(c.env, first.backend),
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-cache',
          },
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
    c.executionCtx.waitUntil(rememberAffinity(auth.keyId, req.messages, value.text, routerId));
    return Response.json(completionBody(who, value.text, value.finishReason, value.usage), {
      headers: { ...admission.headers, ...backendHeaders(c.env, backend) },
    });
  } catch (err) {
    // Routing found no node (404/503) or the dispatch failed: still counted, still released.
    end('none', NO_USAGE, err instanceof ProximaError ? err.code : 'internal_error');
    throw err;
  }
});

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
        send(sseEvent(chunkBody(who, { role: 'assistant', content: '' }, null)));
        return;
      }
      const event = await events.next();
      if (event?.t === 'chunk') {
        send(sseEvent(chunkBody(who, { content: event.text }, null)));
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
