import {
  wholeAnswerOf as readWholeAnswer,
  type Read,
  type WholeAnswer,
} from '@proxima/core/protocol';

// The reader is core's (the node's OpenAI-compatible engine reads the same answers); the edge
// supplies ids for calls sent without one.
export { chunkPartsOf, type ChunkParts } from '@proxima/core/protocol';

/** A call id for a call the upstream sent without one. */
export function newToolCallId(): string {
  return `call_${crypto.randomUUID().replaceAll('-', '')}`;
}

/** A non-streamed completion (chat or legacy). `wantLogprobs`: the request asked for them. */
export function wholeAnswerOf(body: unknown, wantLogprobs: boolean): Read<WholeAnswer> {
  return readWholeAnswer(body, wantLogprobs, newToolCallId);
}
