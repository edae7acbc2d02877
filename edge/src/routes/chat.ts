import {
  chunkBody,
  chunkDeltaOf,
  completionBody,
  jobFailureError,
  parseChatRequest,
  SSE_DONE,
  sseEvent,
  usageChunkBody,
  type ChatRequest,
  type CompletionIdentity,
} from '@proxima/core/protocol';
import { Hono } from 'hono';
import { requireApiKey, type AuthVariables } from '../auth/require-api-key.ts';
import { replayJson, replayStream } from '../cache/replay.ts';
import type { Env } from '../env.ts';
import { answerRequest, SSE_HEADERS, type AnswerRenderer } from './answer-request.ts';
import { readJsonBody } from './read-json.ts';

export const chat = new Hono<{ Bindings: Env; Variables: AuthVariables }>();

chat.post('/v1/chat/completions', requireApiKey('chat'), async (c) => {
  const body = await readJsonBody(c.req.raw, c.env);
  const request = parseChatRequest(body);
  const who: CompletionIdentity = {
    id: `chatcmpl-${crypto.randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model: request.model,
  };
  return answerRequest(c, { body, request, renderer: openAiChatRenderer(who, request) });
});

/** OpenAI's chat.completion JSON and chat.completion.chunk SSE. */
function openAiChatRenderer(who: CompletionIdentity, req: ChatRequest): AnswerRenderer {
  return {
    streamHeaders: SSE_HEADERS,
    whole: (answer, finishReason, usage, extra) => ({
      ...completionBody(who, answer, finishReason, usage),
      ...extra,
    }),
    frames: () => ({
      // Extension fields (which documents grounded the answer) ride on the first chunk.
      start: (extra) =>
        sseEvent({ ...chunkBody(who, { role: 'assistant', content: '' }, null), ...extra }),
      chunk: (delta) => {
        const logprobs = req.logprobs === null ? null : (delta.logprobs ?? []);
        return sseEvent(chunkBody(who, chunkDeltaOf(delta), null, logprobs));
      },
      done: (finishReason, usage) =>
        sseEvent(chunkBody(who, {}, finishReason)) +
        (req.includeUsage ? sseEvent(usageChunkBody(who, usage)) : '') +
        SSE_DONE,
      error: (code) => sseEvent(jobFailureError(code).toBody()),
    }),
    replayWhole: (cached) => replayJson(who, cached),
    replayStream: (cached) => replayStream(who, cached, req.includeUsage),
  };
}
