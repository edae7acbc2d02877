// Ollama's wire shapes for the shared answer path (core's ollamaRendering, on the edge's clock),
// and the replay of a cached answer in them.
import { replayPieces } from '@proxima/core/cache';
import { textAnswer, type AnswerExtra } from '@proxima/core/protocol';
import {
  ndjsonLine,
  ollamaAnswerBody,
  ollamaDoneLine,
  ollamaLines,
  ollamaRendering,
  type OllamaClock,
  type OllamaRendering,
} from '@proxima/core/protocol/ollama';
import type { CachedAnswer } from '../../cache/replay.ts';
import type { AnswerRenderer } from '../answer-request.ts';

const clock: OllamaClock = { now: () => Date.now(), isoNow: () => new Date().toISOString() };

function extraOf(cached: CachedAnswer): AnswerExtra {
  return cached.extra === undefined
    ? undefined
    : (JSON.parse(cached.extra) as Record<string, unknown>);
}

export function ollamaRenderer(options: Omit<OllamaRendering, 'clock'>): AnswerRenderer {
  const r: OllamaRendering = { ...options, clock };
  const { who, times, deltaLine } = ollamaLines(r);
  return {
    ...ollamaRendering(r),
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
