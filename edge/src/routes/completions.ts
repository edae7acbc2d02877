// POST /v1/completions: OpenAI's legacy text completions (with `suffix`, fill in the middle) on
// the one answer path; only the parsing and the `text_completion` wire shape are its own.
import {
  jobFailureError,
  LegacyLogprobsWriter,
  parseCompletionRequest,
  SSE_DONE,
  sseEvent,
  textCompletionBody,
  textCompletionChunkBody,
  textCompletionUsageChunkBody,
  textFinishReason,
  type CompletionIdentity,
  type CompletionRequest,
} from '@proxima/core/protocol';
import { Hono } from 'hono';
import { requireApiKey, type AuthVariables } from '../auth/require-api-key.ts';
import type { CachedAnswer } from '../cache/replay.ts';
import type { Env } from '../env.ts';
import { answerRequest, SSE_HEADERS, type AnswerRenderer } from './answer-request.ts';
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

/** OpenAI's text_completion JSON and SSE chunks. `echo` puts the prompt before the completion. */
function textRenderer(who: CompletionIdentity, parsed: CompletionRequest): AnswerRenderer {
  const { request, echo } = parsed;
  const prefix = echo ? request.prompt.text : '';
  const wantLogprobs = request.logprobs !== null;
  const replayed = (cached: CachedAnswer) =>
    textCompletionBody(
      who,
      prefix + cached.text,
      null,
      textFinishReason(cached.finishReason),
      cached.usage,
    );
  return {
    streamHeaders: SSE_HEADERS,
    whole: (answer, finishReason, usage, extra) => ({
      ...textCompletionBody(
        who,
        prefix + answer.text,
        wantLogprobs ? new LegacyLogprobsWriter(prefix.length).write(answer.logprobs ?? []) : null,
        textFinishReason(finishReason),
        usage,
      ),
      ...extra,
    }),
    frames: () => {
      const logprobs = new LegacyLogprobsWriter(prefix.length);
      return {
        // The echoed prompt is the stream's first text; there is no role chunk in this API.
        start: (extra) =>
          prefix === '' && extra === undefined
            ? ''
            : sseEvent({ ...textCompletionChunkBody(who, prefix, null, null), ...extra }),
        chunk: (delta) =>
          sseEvent(
            textCompletionChunkBody(
              who,
              delta.text,
              wantLogprobs ? logprobs.write(delta.logprobs ?? []) : null,
              null,
            ),
          ),
        done: (finishReason, usage) =>
          sseEvent(textCompletionChunkBody(who, '', null, textFinishReason(finishReason))) +
          (request.includeUsage ? sseEvent(textCompletionUsageChunkBody(who, usage)) : '') +
          SSE_DONE,
        error: (code) => sseEvent(jobFailureError(code).toBody()),
      };
    },
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
