// POST /v1/completions: OpenAI's legacy text completions (with `suffix`, fill in the middle) on
// the one answer path; only the parsing and the `text_completion` wire shape are its own.
import {
  parseCompletionRequest,
  SSE_DONE,
  sseEvent,
  textCompletionBody,
  textCompletionChunkBody,
  textCompletionRendering,
  textCompletionUsageChunkBody,
  textFinishReason,
  type CompletionIdentity,
  type CompletionRequest,
} from '@proxima/core/protocol';
import { Hono } from 'hono';
import { requireApiKey, type AuthVariables } from '../auth/require-api-key.ts';
import type { CachedAnswer } from '../cache/replay.ts';
import type { Env } from '../env.ts';
import { answerRequest, type AnswerRenderer } from './answer-request.ts';
import { readJsonBody } from './read-json.ts';

export const completions = new Hono<{ Bindings: Env; Variables: AuthVariables }>();

completions.post('/v1/completions', requireApiKey('chat'), async (c) => {
  const body = await readJsonBody(c.req.raw, c.env);
  const parsed = parseCompletionRequest(body);
  const who: CompletionIdentity = {
    id: `cmpl-${crypto.randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model: parsed.request.model,
  };
  return answerRequest(c, { body, request: parsed.request, renderer: textRenderer(who, parsed) });
});

/** OpenAI's text_completion JSON and SSE chunks (core), and its cache replay. */
function textRenderer(who: CompletionIdentity, parsed: CompletionRequest): AnswerRenderer {
  const { request, echo } = parsed;
  const prefix = echo ? request.prompt.text : '';
  const replayed = (cached: CachedAnswer) =>
    textCompletionBody(
      who,
      prefix + cached.text,
      null,
      textFinishReason(cached.finishReason),
      cached.usage,
    );
  return {
    ...textCompletionRendering(who, parsed),
    replayWhole: replayed,
    replayStream: (cached) => {
      const finish = textFinishReason(cached.finishReason);
      const text =
        sseEvent(textCompletionChunkBody(who, prefix + cached.text, null, finish)) +
        (request.includeUsage ? sseEvent(textCompletionUsageChunkBody(who, cached.usage)) : '') +
        SSE_DONE;
      const bytes = new TextEncoder().encode(text);
      return new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes);
          controller.close();
        },
      });
    },
  };
}
