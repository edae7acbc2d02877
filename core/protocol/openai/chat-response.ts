/** Builders for OpenAI's chat-completion response shapes. Ids and timestamps are passed in. */

export type FinishReason = 'stop' | 'length';

export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

export interface WireUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

export interface CompletionIdentity {
  readonly id: string;
  /** Unix seconds. */
  readonly created: number;
  readonly model: string;
}

export function wireUsage(usage: TokenUsage): WireUsage {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
}

export function completionBody(
  who: CompletionIdentity,
  content: string,
  finishReason: FinishReason,
  usage: TokenUsage,
) {
  return {
    id: who.id,
    object: 'chat.completion' as const,
    created: who.created,
    model: who.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant' as const, content, refusal: null },
        logprobs: null,
        finish_reason: finishReason,
      },
    ],
    usage: wireUsage(usage),
  };
}

export interface ChunkDelta {
  readonly role?: 'assistant';
  readonly content?: string;
}

export function chunkBody(
  who: CompletionIdentity,
  delta: ChunkDelta,
  finishReason: FinishReason | null,
) {
  return {
    id: who.id,
    object: 'chat.completion.chunk' as const,
    created: who.created,
    model: who.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

/** The trailing usage chunk sent when stream_options.include_usage is set: no choices. */
export function usageChunkBody(who: CompletionIdentity, usage: TokenUsage) {
  return {
    id: who.id,
    object: 'chat.completion.chunk' as const,
    created: who.created,
    model: who.model,
    choices: [],
    usage: wireUsage(usage),
  };
}

export function modelListBody(
  models: ReadonlyArray<{ id: string; created: number; ownedBy: string }>,
) {
  return {
    object: 'list' as const,
    data: models.map((m) => ({
      id: m.id,
      object: 'model' as const,
      created: m.created,
      owned_by: m.ownedBy,
    })),
  };
}

export function sseEvent(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';
