// Ollama's wire shapes for the shared answer path: one JSON object, or NDJSON lines ending in a
// `done: true` line (or an `{"error"}` line when the answer fails after it began).
import { replayPieces } from '@proxima/core/cache';
import {
  jobFailureError,
  ProximaError,
  textAnswer,
  type AnswerDelta,
} from '@proxima/core/protocol';
import {
  ndjsonLine,
  NDJSON_CONTENT_TYPE,
  ollamaAnswerBody,
  ollamaDeltaLine,
  ollamaDoneLine,
  ollamaErrorBody,
  type OllamaDialect,
  type OllamaIdentity,
} from '@proxima/core/protocol/ollama';
import type { CachedAnswer } from '../../cache/replay.ts';
import type { AnswerExtra, AnswerRenderer } from '../answer-request.ts';

export interface OllamaRendering {
  readonly dialect: OllamaDialect;
  readonly model: string;
  /** When the request arrived (ms): durations are measured from it. */
  readonly startMs: number;
  readonly logprobs: boolean;
}

function extraOf(cached: CachedAnswer): AnswerExtra {
  return cached.extra === undefined
    ? undefined
    : (JSON.parse(cached.extra) as Record<string, unknown>);
}

export function ollamaRenderer(r: OllamaRendering): AnswerRenderer {
  const who = (): OllamaIdentity => ({
    dialect: r.dialect,
    model: r.model,
    createdAt: new Date().toISOString(),
  });
  const times = (firstOutputMs: number | null) => ({
    startMs: r.startMs,
    firstOutputMs,
    endMs: Date.now(),
  });
  const deltaLine = (delta: AnswerDelta): string => {
    const line = ollamaDeltaLine(who(), delta, r.logprobs);
    return line === null ? '' : ndjsonLine(line);
  };
  return {
    streamHeaders: { 'content-type': NDJSON_CONTENT_TYPE, 'cache-control': 'no-cache' },
    whole: (answer, finishReason, usage, extra) => ({
      ...ollamaAnswerBody(who(), answer, finishReason, usage, times(null)),
      ...extra,
    }),
    frames: () => {
      let firstOutputMs: number | null = null;
      let extras: AnswerExtra;
      return {
        // Ollama has no opening line: extension fields ride on the last one.
        start: (extra) => {
          extras = extra;
          return '';
        },
        chunk: (delta) => {
          firstOutputMs ??= Date.now();
          try {
            return deltaLine(delta);
          } catch (err) {
            // A tool call whose arguments are no JSON object: said, never passed on malformed.
            if (err instanceof ProximaError) return ndjsonLine(ollamaErrorBody(err.message));
            throw err;
          }
        },
        done: (finishReason, usage) =>
          ndjsonLine({
            ...ollamaDoneLine(who(), finishReason, usage, times(firstOutputMs)),
            ...extras,
          }),
        error: (code) => ndjsonLine(ollamaErrorBody(jobFailureError(code).message)),
      };
    },
    replayWhole: (cached) => ({
      ...ollamaAnswerBody(
        who(),
        textAnswer(cached.text),
        cached.finishReason,
        cached.usage,
        times(null),
      ),
      ...extraOf(cached),
    }),
    replayStream: (cached) => {
      const lines = [
        ...replayPieces(cached.text).map((text) => deltaLine({ text })),
        ndjsonLine({
          ...ollamaDoneLine(who(), cached.finishReason, cached.usage, times(r.startMs)),
          ...extraOf(cached),
        }),
      ];
      const encoder = new TextEncoder();
      let next = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          const line = lines[next++];
          if (line === undefined) controller.close();
          else controller.enqueue(encoder.encode(line));
        },
      });
    },
  };
}
