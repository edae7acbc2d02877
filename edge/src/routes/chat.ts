import {
  chatRendering,
  parseChatRequest,
  type ChatRequest,
  type CompletionIdentity,
} from '@proxima/core/protocol';
import { Hono } from 'hono';
import { requireApiKey, type AuthVariables } from '../auth/require-api-key.ts';
import { replayJson, replayStream } from '../cache/replay.ts';
import type { Env } from '../env.ts';
import { answerRequest, type AnswerRenderer } from './answer-request.ts';
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

/** OpenAI's chat.completion JSON and chat.completion.chunk SSE (core), and its cache replay. */
function openAiChatRenderer(who: CompletionIdentity, req: ChatRequest): AnswerRenderer {
  return {
    ...chatRendering(who, req),
    replayWhole: (cached) => replayJson(who, cached),
    replayStream: (cached) => replayStream(who, cached, req.includeUsage),
  };
}
