import {
  chunkBody,
  completionBody,
  parseChatRequest,
  ProximaError,
  SSE_DONE,
  sseEvent,
  usageChunkBody,
  type ChatRequest,
  type CompletionIdentity,
} from '@proxima/core/protocol';
import { Hono } from 'hono';
import { requireApiKey, type AuthVariables } from '../auth/require-api-key.ts';
import type { Env } from '../env.ts';
import { JobEventReader, type JobEvent } from '../node-session/job-events.ts';
import { routeJob, toJobRequest } from './dispatch.ts';
import { readJsonBody } from './read-json.ts';

export const chat = new Hono<{ Bindings: Env; Variables: AuthVariables }>();

chat.post('/v1/chat/completions', requireApiKey, async (c) => {
  const req = parseChatRequest(await readJsonBody(c.req.raw, c.env));
  const job = toJobRequest(req);
  const who: CompletionIdentity = {
    id: `chatcmpl-${crypto.randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model: req.model,
  };
  const signal = c.req.raw.signal;
  if (req.stream) {
    const { nodeId, value } = await routeJob(c.env, req, async (session) => {
      const result = await session.dispatch(job);
      return result.ok ? { ok: true, value: new JobEventReader(result.events) } : result;
    });
    // A client that goes away cancels the response stream, and with it the job on the node.
    signal.addEventListener('abort', () => void value.cancel());
    return new Response(sseStream(who, req, value), {
      headers: {
        'x-proxima-backend': `node:${nodeId}`,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
      },
    });
  }
  const { nodeId, value } = await routeJob(c.env, req, async (session) => {
    // The job id is ours, so a client that goes away can cancel the job while we wait for it.
    const jobId = crypto.randomUUID();
    // The aborted request's own I/O is cancelled with it; waitUntil lets the cancel go out.
    const onAbort = () => c.executionCtx.waitUntil(session.cancel(jobId, 'client went away'));
    signal.addEventListener('abort', onAbort);
    try {
      const result = await session.complete(jobId, job);
      return result.ok ? { ok: true, value: result.outcome } : result;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  });
  if (value.t === 'error') throw jobFailure(value);
  return Response.json(completionBody(who, value.text, value.finishReason, value.usage), {
    headers: { 'x-proxima-backend': `node:${nodeId}` },
  });
});

/** A job that ended in an error, or without a done event, as the error the client sees. */
function jobFailure(event: JobEvent | null): ProximaError {
  if (event === null)
    return new ProximaError('node_failed', 'The node ended the answer without finishing it.');
  if (event.t === 'error' && event.code === 'upstream_timeout') {
    return new ProximaError('upstream_timeout', `The node timed out: ${event.message}.`);
  }
  return new ProximaError(
    'node_failed',
    `The node failed: ${event.t === 'error' ? event.message : 'unexpected event'}`,
  );
}

function sseStream(
  who: CompletionIdentity,
  req: ChatRequest,
  events: JobEventReader,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let started = false;
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
        send(sseEvent(jobFailure(event).toBody()));
      }
      controller.close();
    },
    async cancel() {
      await events.cancel();
    },
  });
}
