/**
 * A GenerateRequest as the body an OpenAI-compatible server is sent. The request is read back
 * into core's ChatRequest, so the wire form is core's (upstreamChatBody, the edge's upstreams
 * send the same): fields at their default are left out, images go as data URLs.
 */
import {
  FIELD_LIMITS,
  upstreamChatBody,
  upstreamCompletionBody,
  type ChatRequest,
  type ModelCapability,
  type UpstreamTarget,
  type WireChatBody,
  type WireCompletionBody,
} from '@proxima/core/protocol';
import type { GenerateRequest } from '../engine.ts';

/** The name a json_schema response format goes under (the job carries none; servers want one). */
export const RESPONSE_SCHEMA_NAME = 'response';

/** The request in core's normalised chat form. */
export function chatRequestOf(req: GenerateRequest): ChatRequest {
  const format = req.responseFormat;
  return {
    model: req.model,
    messages: req.messages.map((m) => ({
      role: m.role,
      content: m.content,
      ...(m.images === undefined
        ? {}
        : { images: m.images.map((image) => ({ kind: 'data' as const, ...image })) }),
      ...(m.toolCalls === undefined ? {} : { toolCalls: m.toolCalls }),
      ...(m.toolCallId === undefined ? {} : { toolCallId: m.toolCallId }),
    })),
    stream: true,
    includeUsage: true,
    // generateRequestOf makes an unbounded job's limit Number.MAX_SAFE_INTEGER: send none.
    maxTokens: req.maxTokens > FIELD_LIMITS.maxTokensCeiling ? undefined : req.maxTokens,
    temperature: req.temperature,
    topP: req.topP,
    stop: req.stop,
    seed: req.seed,
    frequencyPenalty: req.frequencyPenalty ?? 0,
    presencePenalty: req.presencePenalty ?? 0,
    logitBias: req.logitBias ?? [],
    logprobs: req.logprobs ?? null,
    tools: req.tools ?? [],
    // OpenAI's defaults: 'auto' with tools, 'none' without.
    toolChoice: req.toolChoice ?? ((req.tools?.length ?? 0) > 0 ? 'auto' : 'none'),
    parallelToolCalls: req.parallelToolCalls ?? true,
    responseFormat:
      format === undefined
        ? { type: 'text' }
        : format.type === 'json_object'
          ? format
          : { type: 'json_schema', name: RESPONSE_SCHEMA_NAME, schema: format.schema },
    reasoningEffort: req.reasoningEffort ?? null,
    ...(req.prompt === undefined ? {} : { prompt: promptOf(req.prompt) }),
  };
}

function promptOf({
  text,
  suffix,
}: NonNullable<GenerateRequest['prompt']>): NonNullable<ChatRequest['prompt']> {
  return suffix === undefined ? { text } : { text, suffix };
}

export type ServerRequest =
  | { readonly endpoint: 'chat'; readonly body: WireChatBody }
  | { readonly endpoint: 'completions'; readonly body: WireCompletionBody };

/** The streamed request for `upstreamId`: a chat, or a raw completion for `req.prompt`. */
export function serverRequestOf(
  req: GenerateRequest,
  upstreamId: string,
  capabilities: readonly ModelCapability[],
): ServerRequest {
  if (req.assistantPrefix !== undefined)
    throw new Error(
      'openai-compatible engine: cannot continue an assistant turn (assistantPrefix)',
    );
  const chat = chatRequestOf(req);
  const target: UpstreamTarget = { model: upstreamId, capabilities };
  const { prompt } = chat;
  if (prompt === undefined) return { endpoint: 'chat', body: upstreamChatBody(chat, target, true) };
  return {
    endpoint: 'completions',
    body: upstreamCompletionBody({ ...chat, prompt }, target, true),
  };
}
