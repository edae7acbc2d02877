import { utf8Length } from '../protocol/limits.ts';
import type { ChatRequest } from '../protocol/openai/chat-request.ts';

/**
 * The completion tokens reserved when a request sets no max_tokens. A guess, not a cap: release
 * reconciles tokens per minute with what was really generated.
 */
export const DEFAULT_COMPLETION_ESTIMATE = 256;

/** English text runs about 4 bytes of UTF-8 per token in common BPE vocabularies. */
export const BYTES_PER_TOKEN = 4;

/**
 * Tokens reserved against tokens per minute before a request runs:
 * ceil(prompt UTF-8 bytes / 4) + (max_tokens ?? 256). No tokenizer at the edge: the reservation
 * only needs to be of the right size, since release corrects it.
 */
export function estimateTokens(promptBytes: number, maxTokens: number | undefined): number {
  return Math.ceil(promptBytes / BYTES_PER_TOKEN) + (maxTokens ?? DEFAULT_COMPLETION_ESTIMATE);
}

/** The estimate for a chat request: its messages' text (or its raw prompt) counts as the prompt. */
export function estimateChatTokens(
  request: Pick<ChatRequest, 'messages' | 'maxTokens' | 'prompt'>,
): number {
  let bytes = utf8Length(request.prompt?.text ?? '') + utf8Length(request.prompt?.suffix ?? '');
  for (const message of request.messages) {
    bytes += utf8Length(message.content);
    for (const call of message.toolCalls ?? []) bytes += utf8Length(call.arguments);
  }
  return estimateTokens(bytes, request.maxTokens);
}
