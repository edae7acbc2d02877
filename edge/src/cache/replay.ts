// A cached answer, replayed the way a backend would have sent it: one JSON completion, or a
// well-formed SSE stream (role chunk, content deltas cut at word boundaries, the finish chunk,
// usage when asked, [DONE]) under a fresh completion id.
import { replayPieces } from '@proxima/core/cache';
import {
  chunkBody,
  completionBody,
  SSE_DONE,
  textAnswer,
  sseEvent,
  usageChunkBody,
  type CompletionIdentity,
  type FinishReason,
  type TokenUsage,
} from '@proxima/core/protocol';

export interface CachedAnswer {
  readonly text: string;
  readonly finishReason: FinishReason;
  readonly usage: TokenUsage;
  /**
   * Extension fields the answer carried, as JSON text (`proxima.rag`: the documents it was
   * grounded in). Text, so the object stays plain data across RPC.
   */
  readonly extra?: string;
}

function extraOf(answer: CachedAnswer): Record<string, unknown> {
  return answer.extra === undefined ? {} : (JSON.parse(answer.extra) as Record<string, unknown>);
}

export function replayJson(who: CompletionIdentity, answer: CachedAnswer): unknown {
  return {
    ...completionBody(who, textAnswer(answer.text), answer.finishReason, answer.usage),
    ...extraOf(answer),
  };
}

export function replayStream(
  who: CompletionIdentity,
  answer: CachedAnswer,
  includeUsage: boolean,
): ReadableStream<Uint8Array> {
  const events = [
    sseEvent({ ...chunkBody(who, { role: 'assistant', content: '' }, null), ...extraOf(answer) }),
    ...replayPieces(answer.text).map((piece) => sseEvent(chunkBody(who, { content: piece }, null))),
    sseEvent(chunkBody(who, {}, answer.finishReason)),
    ...(includeUsage ? [sseEvent(usageChunkBody(who, answer.usage))] : []),
    SSE_DONE,
  ];
  const encoder = new TextEncoder();
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const event = events[next++];
      if (event === undefined) controller.close();
      else controller.enqueue(encoder.encode(event));
    },
  });
}
