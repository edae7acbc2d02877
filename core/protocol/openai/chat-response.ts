/** Builders for OpenAI's chat-completion response shapes. Ids and timestamps are passed in. */
import type { ModelCapability, ModelKind } from '../node/messages.ts';
import type { Answer, AnswerDelta, LogprobEntry, TokenLogprob } from './answer.ts';

export type FinishReason = 'stop' | 'length' | 'tool_calls';

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

function wireTokenLogprob(t: TokenLogprob) {
  return { token: t.token, logprob: t.logprob, bytes: [...t.bytes] };
}

/** OpenAI's `logprobs` of a choice: `{content: [...], refusal: null}`. */
export function wireLogprobs(entries: readonly LogprobEntry[]) {
  return {
    content: entries.map((e) => ({
      ...wireTokenLogprob(e),
      top_logprobs: e.top.map(wireTokenLogprob),
    })),
    refusal: null,
  };
}

function wireToolCalls(answer: Pick<Answer, 'toolCalls'>) {
  return answer.toolCalls.map((c) => ({
    id: c.id,
    type: 'function' as const,
    function: { name: c.name, arguments: c.arguments },
  }));
}

export function completionBody(
  who: CompletionIdentity,
  answer: Answer,
  finishReason: FinishReason,
  usage: TokenUsage,
) {
  const calls = answer.toolCalls.length > 0;
  return {
    id: who.id,
    object: 'chat.completion' as const,
    created: who.created,
    model: who.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant' as const,
          // OpenAI's shape: a turn of tool calls alone has null content.
          content: calls && answer.text === '' ? null : answer.text,
          refusal: null,
          ...(answer.reasoning === '' ? {} : { reasoning_content: answer.reasoning }),
          ...(calls ? { tool_calls: wireToolCalls(answer) } : {}),
        },
        logprobs: answer.logprobs === null ? null : wireLogprobs(answer.logprobs),
        finish_reason: finishReason,
      },
    ],
    usage: wireUsage(usage),
  };
}

export interface ChunkDelta {
  readonly role?: 'assistant';
  readonly content?: string;
  readonly reasoning_content?: string;
  readonly tool_calls?: ReadonlyArray<{
    readonly index: number;
    readonly id: string;
    readonly type: 'function';
    readonly function: { readonly name: string; readonly arguments: string };
  }>;
}

/** The wire delta of an answer delta: only the parts it has (a tool call is sent whole). */
export function chunkDeltaOf(delta: AnswerDelta): ChunkDelta {
  return {
    ...(delta.text === '' && (delta.reasoning || delta.toolCalls?.length)
      ? {}
      : { content: delta.text }),
    ...(delta.reasoning ? { reasoning_content: delta.reasoning } : {}),
    ...(delta.toolCalls?.length
      ? {
          tool_calls: delta.toolCalls.map((c) => ({
            index: c.index,
            id: c.id,
            type: 'function' as const,
            function: { name: c.name, arguments: c.arguments },
          })),
        }
      : {}),
  };
}

export function chunkBody(
  who: CompletionIdentity,
  delta: ChunkDelta,
  finishReason: FinishReason | null,
  logprobs: readonly LogprobEntry[] | null = null,
) {
  return {
    id: who.id,
    object: 'chat.completion.chunk' as const,
    created: who.created,
    model: who.model,
    choices: [
      {
        index: 0,
        delta,
        logprobs: logprobs === null ? null : wireLogprobs(logprobs),
        finish_reason: finishReason,
      },
    ],
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

/** What Proxima knows of a served model, for its entry in /v1/models. */
export interface ProximaModelFacts {
  readonly id: string;
  /** Unix seconds. */
  readonly created: number;
  /** Tokens of context; null when no backend says. */
  readonly contextLength: number | null;
  readonly capabilities: readonly ModelCapability[];
  readonly kind: ModelKind;
}

/** OpenAI's model object, with Proxima's extension field `proxima` (the edge's and a node's). */
export function proximaModelBody(m: ProximaModelFacts) {
  return {
    ...modelListBody([{ id: m.id, created: m.created, ownedBy: 'proxima' }]).data[0]!,
    proxima: { context_length: m.contextLength, capabilities: [...m.capabilities], kind: m.kind },
  };
}

export function sseEvent(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';
