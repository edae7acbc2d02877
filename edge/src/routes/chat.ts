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
import type { JobEvent, JobEventReader } from '../node-session/job-events.ts';
import { dispatchJob } from './dispatch.ts';
import { readJsonBody } from './read-json.ts';

export const chat = new Hono<{ Bindings: Env; Variables: AuthVariables }>();

chat.post('/v1/chat/completions', requireApiKey, async (c) => {
  const req = parseChatRequest(await readJsonBody(c.req.raw, c.env));
  const { nodeId, events } = await dispatchJob(c.env, req);
  const who: CompletionIdentity = {
    id: `chatcmpl-${crypto.randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model: req.model,
  };
  const headers = { 'x-proxima-backend': `node:${nodeId}` };
  // A client that goes away cancels the job on the node.
  c.req.raw.signal.addEventListener('abort', () => void events.cancel());
  if (req.stream) {
    return new Response(sseStream(who, req, events), {
      headers: {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
      },
    });
  }
  return Response.json(await collect(who, events), { headers });
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

async function collect(who: CompletionIdentity, events: JobEventReader) {
  let text = '';
  for (;;) {
    const event = await events.next();
    if (event?.t === 'chunk') text += event.text;
    else if (event?.t === 'done') return completionBody(who, text, event.finishReason, event.usage);
    else throw jobFailure(event);
  }
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
