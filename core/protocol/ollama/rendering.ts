// Ollama's wire shapes for an answer: one JSON object, or NDJSON lines ending in a `done: true`
// line (or an `{"error"}` line when the answer fails after it began). Shared by the edge and a
// node's local API; the clock is injected (core reads none and makes no dates).
import { ProximaError } from '../errors.ts';
import { jobFailureError } from '../job-errors.ts';
import type { AnswerDelta } from '../openai/answer.ts';
import type { AnswerExtra, AnswerRendering } from '../openai/rendering.ts';
import {
  ndjsonLine,
  NDJSON_CONTENT_TYPE,
  ollamaAnswerBody,
  ollamaDeltaLine,
  ollamaDoneLine,
  ollamaErrorBody,
  type OllamaDialect,
  type OllamaIdentity,
  type OllamaTimes,
} from './response.ts';

export interface OllamaClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** The RFC 3339 time now, for `created_at`. */
  isoNow(): string;
}

export interface OllamaRendering {
  readonly dialect: OllamaDialect;
  readonly model: string;
  /** When the request arrived (ms): durations are measured from it. */
  readonly startMs: number;
  readonly logprobs: boolean;
  readonly clock: OllamaClock;
}

/** The pieces every Ollama line is made of: who answers, the times, one line of output. */
export interface OllamaLines {
  readonly who: () => OllamaIdentity;
  readonly times: (firstOutputMs: number | null) => OllamaTimes;
  /** A streamed delta as its NDJSON line; '' for a delta that carries nothing. */
  readonly deltaLine: (delta: AnswerDelta) => string;
}

export const NDJSON_HEADERS = {
  'content-type': NDJSON_CONTENT_TYPE,
  'cache-control': 'no-cache',
} as const;

export function ollamaLines(r: OllamaRendering): OllamaLines {
  const who = (): OllamaIdentity => ({
    dialect: r.dialect,
    model: r.model,
    createdAt: r.clock.isoNow(),
  });
  return {
    who,
    times: (firstOutputMs) => ({ startMs: r.startMs, firstOutputMs, endMs: r.clock.now() }),
    deltaLine: (delta) => {
      const line = ollamaDeltaLine(who(), delta, r.logprobs);
      return line === null ? '' : ndjsonLine(line);
    },
  };
}

export function ollamaRendering(r: OllamaRendering): AnswerRendering {
  const { who, times, deltaLine } = ollamaLines(r);
  return {
    streamHeaders: NDJSON_HEADERS,
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
          firstOutputMs ??= r.clock.now();
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
  };
}
