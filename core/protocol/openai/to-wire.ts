// A ChatRequest back in OpenAI's chat-completions wire shape: what an OpenAI-compatible upstream
// is sent. The inverse of parseChatRequest: parseChatRequest(toWire(req)) equals req.
import type { ModelCapability } from '../node/messages.ts';
import type { ChatMessage, ChatRequest, ReasoningEffort } from './chat-request.ts';
import type { ImageInput } from './images.ts';
import type { JsonSchema } from './json-schema.ts';

export type WireContentPart =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'image_url'; readonly image_url: { readonly url: string } };

export interface WireToolCall {
  readonly id: string;
  readonly type: 'function';
  readonly function: { readonly name: string; readonly arguments: string };
}

export type WireMessage =
  | { readonly role: 'system'; readonly content: string }
  | { readonly role: 'user'; readonly content: string | readonly WireContentPart[] }
  | {
      readonly role: 'assistant';
      /** Null for a turn of tool calls alone, as OpenAI sends it. */
      readonly content: string | null;
      readonly tool_calls?: readonly WireToolCall[];
    }
  | { readonly role: 'tool'; readonly content: string; readonly tool_call_id: string };

export interface WireTool {
  readonly type: 'function';
  readonly function: {
    readonly name: string;
    readonly description?: string;
    readonly parameters: JsonSchema;
  };
}

export type WireToolChoice =
  | 'none'
  | 'auto'
  | 'required'
  | { readonly type: 'function'; readonly function: { readonly name: string } };

export type WireResponseFormat =
  | { readonly type: 'json_object' }
  | {
      readonly type: 'json_schema';
      readonly json_schema: { readonly name: string; readonly schema: JsonSchema };
    };

/** Sampling fields of both endpoints (chat and the legacy completions). */
export interface WireSampling {
  readonly max_tokens?: number;
  readonly temperature: number;
  readonly top_p: number;
  readonly stop?: readonly string[];
  readonly seed?: number;
  readonly frequency_penalty?: number;
  readonly presence_penalty?: number;
  readonly logit_bias?: Readonly<Record<string, number>>;
}

/** A raw completion for the legacy `/completions` endpoint. */
export interface WireCompletionBody extends WireSampling {
  readonly model: string;
  readonly prompt: string;
  readonly suffix?: string;
  readonly stream: boolean;
  readonly stream_options?: { readonly include_usage: boolean };
  /** The legacy form: how many alternatives per token (0: the chosen token's alone). */
  readonly logprobs?: number;
}

/** The body fields Proxima sends; a field at its default is left out. */
export interface WireChatBody extends WireSampling {
  readonly model: string;
  readonly messages: readonly WireMessage[];
  readonly stream?: boolean;
  readonly stream_options?: { readonly include_usage: boolean };
  readonly logprobs?: boolean;
  readonly top_logprobs?: number;
  readonly tools?: readonly WireTool[];
  readonly tool_choice?: WireToolChoice;
  readonly parallel_tool_calls?: boolean;
  readonly response_format?: WireResponseFormat;
  readonly reasoning_effort?: ReasoningEffort;
}

/** An image as OpenAI's `image_url.url`: a data URL, or the remote URL as given. */
export function imageUrlOf(image: ImageInput): string {
  return image.kind === 'data' ? `data:${image.mimeType};base64,${image.base64}` : image.url;
}

function wireMessage(m: ChatMessage): WireMessage {
  switch (m.role) {
    case 'system':
      return { role: 'system', content: m.content };
    case 'user': {
      if (!m.images?.length) return { role: 'user', content: m.content };
      const images = m.images.map((image): WireContentPart => ({
        type: 'image_url',
        image_url: { url: imageUrlOf(image) },
      }));
      // The parser joins text parts and keeps images in order: one text part says the same.
      return {
        role: 'user',
        content: m.content === '' ? images : [{ type: 'text', text: m.content }, ...images],
      };
    }
    case 'assistant':
      if (!m.toolCalls?.length) return { role: 'assistant', content: m.content };
      return {
        role: 'assistant',
        content: m.content === '' ? null : m.content,
        tool_calls: m.toolCalls.map((c) => ({
          id: c.id,
          type: 'function',
          function: { name: c.name, arguments: c.arguments },
        })),
      };
    case 'tool':
      return { role: 'tool', content: m.content, tool_call_id: m.toolCallId ?? '' };
  }
}

function wireToolChoice(choice: ChatRequest['toolChoice']): WireToolChoice {
  return typeof choice === 'string'
    ? choice
    : { type: 'function', function: { name: choice.name } };
}

function wireResponseFormat(format: ChatRequest['responseFormat']): WireResponseFormat | null {
  if (format.type === 'text') return null;
  if (format.type === 'json_object') return { type: 'json_object' };
  // No `strict`: OpenAI's strict mode refuses schemas the grammar subset allows (optional keys).
  return { type: 'json_schema', json_schema: { name: format.name, schema: format.schema } };
}

/** Non-zero, -0 included, so that the round trip is exact. */
const isSet = (value: number): boolean => !Object.is(value, 0);

/** The sampling fields both endpoints share, each only when it differs from its default. */
function samplingOf(req: ChatRequest): WireSampling {
  return {
    ...(req.maxTokens === undefined ? {} : { max_tokens: req.maxTokens }),
    temperature: req.temperature,
    top_p: req.topP,
    ...(req.stop.length > 0 ? { stop: [...req.stop] } : {}),
    ...(req.seed === undefined ? {} : { seed: req.seed }),
    ...(isSet(req.frequencyPenalty) ? { frequency_penalty: req.frequencyPenalty } : {}),
    ...(isSet(req.presencePenalty) ? { presence_penalty: req.presencePenalty } : {}),
    ...(req.logitBias.length > 0
      ? { logit_bias: Object.fromEntries(req.logitBias.map(([t, b]) => [String(t), b])) }
      : {}),
  };
}

/**
 * The chat request in OpenAI's wire shape, every field that differs from its default. A raw
 * completion (`prompt`) has no chat form: see upstreamCompletionBody.
 */
export function toWire(req: ChatRequest): WireChatBody {
  if (req.prompt !== undefined) throw new Error('toWire: a raw completion is not a chat request');
  const responseFormat = wireResponseFormat(req.responseFormat);
  return {
    model: req.model,
    messages: req.messages.map(wireMessage),
    ...(req.stream ? { stream: true } : {}),
    ...(req.includeUsage ? { stream_options: { include_usage: true } } : {}),
    ...samplingOf(req),
    ...(req.logprobs === null
      ? {}
      : { logprobs: true, ...(req.logprobs > 0 ? { top_logprobs: req.logprobs } : {}) }),
    ...(req.tools.length > 0
      ? {
          tools: req.tools.map((t) => ({
            type: 'function' as const,
            function: {
              name: t.name,
              ...(t.description === '' ? {} : { description: t.description }),
              parameters: t.parameters,
            },
          })),
          tool_choice: wireToolChoice(req.toolChoice),
        }
      : {}),
    ...(req.parallelToolCalls ? {} : { parallel_tool_calls: false }),
    ...(responseFormat === null ? {} : { response_format: responseFormat }),
    ...(req.reasoningEffort === null ? {} : { reasoning_effort: req.reasoningEffort }),
  };
}

export interface UpstreamTarget {
  /** The upstream's own name for the model. */
  readonly model: string;
  readonly capabilities: readonly ModelCapability[];
}

/**
 * The body an OpenAI-compatible upstream is sent: the request under the upstream's model name,
 * streamed or not (usage is metered either way, so a stream asks for it). Tool fields go only
 * where they mean something: with tools, and to an upstream that takes them (a request whose
 * tool_choice is 'none' needs no 'tools' capability, so it may reach one that does not).
 */
export function upstreamChatBody(
  req: ChatRequest,
  target: UpstreamTarget,
  stream: boolean,
): WireChatBody {
  const {
    stream: _stream,
    stream_options: _options,
    tools,
    tool_choice,
    parallel_tool_calls,
    ...rest
  } = toWire(req);
  const sendTools = tools !== undefined && target.capabilities.includes('tools');
  return {
    ...rest,
    model: target.model,
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
    ...(sendTools ? { tools, tool_choice } : {}),
    ...(sendTools && parallel_tool_calls !== undefined ? { parallel_tool_calls } : {}),
  };
}

/**
 * The body of a raw completion (`req.prompt`, as /v1/completions and Ollama's raw generate make
 * it) for the upstream's legacy `<baseUrl>/completions`: the prompt as is, the suffix when it
 * asks for the middle.
 */
export function upstreamCompletionBody(
  req: ChatRequest & { readonly prompt: NonNullable<ChatRequest['prompt']> },
  target: UpstreamTarget,
  stream: boolean,
): WireCompletionBody {
  return {
    model: target.model,
    prompt: req.prompt.text,
    ...(req.prompt.suffix === undefined ? {} : { suffix: req.prompt.suffix }),
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
    ...samplingOf(req),
    ...(req.logprobs === null ? {} : { logprobs: req.logprobs }),
  };
}
