// How an answer goes on the wire in OpenAI's dialects: one JSON body, or a stream of frames.
// Shared by the edge (behind its routing, cache and RAG) and by a node's local API (over its own
// engine), so both send the same bytes. Ids and timestamps are passed in.
import type { AnswerDelta, Answer } from './answer.ts';
import type { ChatRequest } from './chat-request.ts';
import {
  chunkBody,
  chunkDeltaOf,
  completionBody,
  SSE_DONE,
  sseEvent,
  usageChunkBody,
  type CompletionIdentity,
  type FinishReason,
  type TokenUsage,
} from './chat-response.ts';
import type { CompletionRequest } from './completion-request.ts';
import {
  LegacyLogprobsWriter,
  textCompletionBody,
  textCompletionChunkBody,
  textCompletionUsageChunkBody,
  textFinishReason,
} from './completion-response.ts';
import { jobFailureError } from '../job-errors.ts';

/** Extension fields an answer carries (`proxima.rag`: the documents that grounded it). */
export type AnswerExtra = Readonly<Record<string, unknown>> | undefined;

/** The wire frames of one streamed answer, in order; each returns the text to send ('' for none). */
export interface StreamFrames {
  /** Before the first event (OpenAI: the role chunk carrying the extension fields). */
  start(extra: AnswerExtra): string;
  chunk(delta: AnswerDelta): string;
  /** The end of a complete answer (OpenAI: the finish chunk, usage when asked, [DONE]). */
  done(finishReason: FinishReason, usage: TokenUsage): string;
  /** A failure after the stream began: an explicit error frame, never a silent truncation. */
  error(code: string | null): string;
}

/** How one route's dialect puts an answer on the wire. Made per request (ids, clocks, options). */
export interface AnswerRendering {
  /** Response headers of a streamed answer (its content type). */
  readonly streamHeaders: Readonly<Record<string, string>>;
  /** The JSON body of a whole answer. */
  whole(answer: Answer, finishReason: FinishReason, usage: TokenUsage, extra: AnswerExtra): unknown;
  /** Fresh frames for one streamed answer. */
  frames(): StreamFrames;
}

/** Headers of an OpenAI-style server-sent-event stream. */
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
} as const;

/** OpenAI's chat.completion JSON and chat.completion.chunk SSE. */
export function chatRendering(who: CompletionIdentity, req: ChatRequest): AnswerRendering {
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
  };
}

/** OpenAI's text_completion JSON and SSE chunks. `echo` puts the prompt before the completion. */
export function textCompletionRendering(
  who: CompletionIdentity,
  parsed: CompletionRequest,
): AnswerRendering {
  const { request, echo } = parsed;
  const prefix = echo ? request.prompt.text : '';
  const wantLogprobs = request.logprobs !== null;
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
  };
}
