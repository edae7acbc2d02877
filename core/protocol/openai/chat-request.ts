import * as z from 'zod';
import { ProximaError } from '../errors.ts';
import { FIELD_LIMITS as L, isWellFormedText, MODEL_ID_PATTERN, MODEL_ID_RULE } from '../limits.ts';
import { parseOrThrow } from '../validation.ts';
import { IMAGE_LIMITS, imageOf, type ImageInput } from './images.ts';
import { responseFormatOf, wireResponseFormat, type ResponseFormat } from './response-format.ts';
import {
  TOOL_LIMITS,
  toolCallsOf,
  toolsOf,
  wireFunction,
  wireFunctionCall,
  wireTool,
  wireToolCall,
  wireToolChoice,
  type ToolCall,
  type ToolChoice,
  type ToolDefinition,
} from './tools.ts';

/** Prompt text: any length (the body limit bounds it), but well-formed Unicode. */
const text = z.string().refine(isWellFormedText, 'must not contain unpaired surrogates');

const textPart = z.object({ type: z.literal('text'), text });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({
    url: z.string().min(1),
    detail: z.enum(['auto', 'low', 'high']).nullish(),
  }),
});
const contentPart = z.discriminatedUnion('type', [
  textPart,
  imagePart,
  z.object({ type: z.literal('input_audio') }).loose(),
  z.object({ type: z.literal('file') }).loose(),
  z.object({ type: z.literal('refusal'), refusal: text }),
]);

const message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([text, z.array(contentPart).max(L.messages), z.null()]).optional(),
  name: z.string().max(L.messageNameChars).optional(),
  tool_calls: z.array(wireToolCall).max(TOOL_LIMITS.callsPerMessage).nullish(),
  tool_call_id: z.string().min(1).max(TOOL_LIMITS.callIdChars).optional(),
  /** Earlier reasoning, as some clients send it back (DeepSeek's shape); not shown to the model. */
  reasoning_content: text.nullish(),
});

const maxTokens = z.number().int().min(1).max(L.maxTokensCeiling);
const stopString = text.pipe(z.string().min(1).max(L.stopChars));
const penalty = z.number().min(-2).max(2);

export const REASONING_EFFORTS = [
  'none',
  'minimal',
  'low',
  'medium',
  'high',
  'xhigh',
  'max',
] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

/** OpenAI's bounds: logit_bias values, and alternatives per token for top_logprobs. */
export const SAMPLING_LIMITS = {
  logitBiasEntries: 1024,
  logitBias: 100,
  topLogprobs: 20,
} as const;

const wireChatRequest = z.object({
  model: z.string().regex(MODEL_ID_PATTERN, `must be ${MODEL_ID_RULE}`),
  messages: z.array(message).min(1, 'must contain at least one message').max(L.messages),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: maxTokens.nullish(),
  max_completion_tokens: maxTokens.nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  stop: z.union([stopString, z.array(stopString).max(L.stopSequences)]).nullish(),
  seed: z.number().int().nullish(),
  user: z.string().max(L.userChars).nullish(),
  frequency_penalty: penalty.nullish(),
  presence_penalty: penalty.nullish(),
  logit_bias: z
    .record(
      z.string().regex(/^(0|[1-9][0-9]{0,9})$/, 'keys must be token ids'),
      z.number().min(-SAMPLING_LIMITS.logitBias).max(SAMPLING_LIMITS.logitBias),
    )
    .refine((m) => Object.keys(m).length <= SAMPLING_LIMITS.logitBiasEntries, {
      message: `must hold at most ${SAMPLING_LIMITS.logitBiasEntries} entries`,
    })
    .nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(SAMPLING_LIMITS.topLogprobs).nullish(),
  tools: z.array(wireTool).max(TOOL_LIMITS.tools).nullish(),
  tool_choice: wireToolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  functions: z.array(wireFunction).max(TOOL_LIMITS.tools).nullish(),
  function_call: wireFunctionCall.nullish(),
  response_format: wireResponseFormat.nullish(),
  reasoning_effort: z.enum(REASONING_EFFORTS).nullish(),
  proxima: z.object({}).loose().nullish(),
  // Accepted without effect on the answer: identifiers and caching hints (README, "API").
  safety_identifier: z.string().max(L.userChars).nullish(),
  prompt_cache_key: z.string().max(L.userChars).nullish(),
  prompt_cache_retention: z.enum(['in_memory', '24h']).nullish(),
  prompt_cache_options: z.object({}).loose().nullish(),
  service_tier: z.enum(['auto', 'default', 'flex', 'scale', 'priority', 'fast']).nullish(),
  store: z.boolean().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  modalities: z.array(z.enum(['text', 'audio'])).nullish(),
  audio: z.unknown().optional(),
  prediction: z.unknown().optional(),
  verbosity: z.enum(['low', 'medium', 'high']).nullish(),
  web_search_options: z.unknown().optional(),
  moderation: z.unknown().optional(),
});

/**
 * OpenAI parameters Proxima cannot honour, each refused with a 400 that names it (never silently
 * dropped). Null and the values that change nothing are accepted.
 */
function refuseUnservable(wire: z.infer<typeof wireChatRequest>): void {
  const refusals: Array<[boolean, string, string]> = [
    [wire.n != null && wire.n !== 1, 'n', 'only n=1 is served.'],
    [wire.store === true, 'store', 'completions are not stored; send false or leave it out.'],
    [
      wire.metadata != null && Object.keys(wire.metadata).length > 0,
      'metadata',
      'it tags stored completions, which are not kept.',
    ],
    [wire.modalities?.includes('audio') === true, 'modalities', `only 'text' output is served.`],
    [wire.audio != null, 'audio', 'audio output is not served.'],
    [wire.prediction != null, 'prediction', 'predicted outputs are not served.'],
    [
      wire.service_tier != null && wire.service_tier !== 'auto' && wire.service_tier !== 'default',
      'service_tier',
      `only 'auto' and 'default' are served.`,
    ],
    [wire.verbosity != null, 'verbosity', 'no served model takes a verbosity setting.'],
    [wire.web_search_options != null, 'web_search_options', 'web search is not available.'],
    [wire.moderation != null, 'moderation', 'moderation is not available.'],
  ];
  for (const [refused, param, why] of refusals) if (refused) throw unsupported(param, why);
}

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatMessage {
  readonly role: ChatRole;
  /** The text of the message (its text parts joined); '' for an assistant turn of tool calls only. */
  readonly content: string;
  /** Image parts, in order (user messages only). */
  readonly images?: readonly ImageInput[];
  /** The calls an assistant turn made. */
  readonly toolCalls?: readonly ToolCall[];
  /** The call a tool message answers. */
  readonly toolCallId?: string;
}

/** A validated, normalised chat request: what the router and engines work with. */
export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly stream: boolean;
  readonly includeUsage: boolean;
  /** Undefined: the backend's own limit (the context end) applies. */
  readonly maxTokens: number | undefined;
  readonly temperature: number;
  readonly topP: number;
  readonly stop: readonly string[];
  readonly seed: number | undefined;
  /** -2..2; 0 is off. */
  readonly frequencyPenalty: number;
  readonly presencePenalty: number;
  /** [token id, bias] pairs, bias -100..100 (-100 bans the token). */
  readonly logitBias: readonly (readonly [number, number])[];
  /** Null: no log probabilities; n: the chosen token's, with n alternatives (0..20). */
  readonly logprobs: number | null;
  readonly tools: readonly ToolDefinition[];
  readonly toolChoice: ToolChoice;
  readonly parallelToolCalls: boolean;
  readonly responseFormat: ResponseFormat;
  /** Only for models that reason; null when not asked. */
  readonly reasoningEffort: ReasoningEffort | null;
  /**
   * A raw completion (POST /v1/completions, Ollama's /api/generate with `raw` or `suffix`): the
   * prompt as is, no chat template; `messages` is then empty. A suffix asks for the middle (FIM).
   */
  readonly prompt?: { readonly text: string; readonly suffix?: string };
}

export const CHAT_DEFAULTS = { temperature: 1, topP: 1 } as const;

function unsupported(param: string, why: string): ProximaError {
  return new ProximaError('unsupported_parameter', `'${param}' is not supported: ${why}`, {
    param,
  });
}

/** A message's text parts joined, and its images. Audio and file parts need a backend we lack. */
function contentOf(
  content: z.infer<typeof message>['content'],
  index: number,
): { text: string; images: ImageInput[] } {
  if (content === undefined || content === null) return { text: '', images: [] };
  if (typeof content === 'string') return { text: content, images: [] };
  let text = '';
  const images: ImageInput[] = [];
  for (const [p, part] of content.entries()) {
    const param = `messages[${index}].content[${p}]`;
    if (part.type === 'text') text += part.text;
    else if (part.type === 'refusal') text += part.refusal;
    else if (part.type === 'image_url')
      images.push(imageOf(part.image_url.url, `${param}.image_url.url`));
    else
      throw unsupported(
        param,
        `'${part.type}' parts need a multimodal backend, which is not configured.`,
      );
  }
  return { text, images };
}

function required(what: string, param: string): ProximaError {
  return new ProximaError('invalid_request', `Invalid '${param}': ${what}.`, { param });
}

/** One wire message, normalised; the rules of each role are OpenAI's. */
function messageOf(m: z.infer<typeof message>, i: number): ChatMessage {
  const at = `messages[${i}]`;
  const { text: content, images } = contentOf(m.content, i);
  const hasContent = m.content !== undefined && m.content !== null;
  if (images.length > 0 && m.role !== 'user')
    throw required(`images may only be sent in user messages`, `${at}.content`);
  if (m.tool_calls != null && m.tool_calls.length > 0 && m.role !== 'assistant')
    throw required(`only assistant messages carry tool_calls`, `${at}.tool_calls`);
  if (m.tool_call_id !== undefined && m.role !== 'tool')
    throw required(`only tool messages carry tool_call_id`, `${at}.tool_call_id`);
  switch (m.role) {
    case 'tool':
      if (m.tool_call_id === undefined)
        throw required(`required for role 'tool'`, `${at}.tool_call_id`);
      if (!hasContent) throw required(`required for role 'tool'`, `${at}.content`);
      return { role: 'tool', content, toolCallId: m.tool_call_id };
    case 'assistant': {
      const toolCalls = toolCallsOf(m.tool_calls ?? [], `${at}.tool_calls`);
      if (!hasContent && toolCalls.length === 0)
        throw required(`required for role 'assistant' without tool_calls`, `${at}.content`);
      return toolCalls.length > 0
        ? { role: 'assistant', content, toolCalls }
        : { role: 'assistant', content };
    }
    default: {
      if (!hasContent) throw required(`required for role '${m.role}'`, `${at}.content`);
      const role = m.role === 'developer' ? 'system' : m.role;
      return images.length > 0 ? { role, content, images } : { role, content };
    }
  }
}

/** Every tool message answers a call that an earlier assistant turn made. */
function checkToolAnswers(messages: readonly ChatMessage[]): void {
  const calls = new Set<string>();
  messages.forEach((m, i) => {
    for (const c of m.toolCalls ?? []) calls.add(c.id);
    if (m.role === 'tool' && !calls.has(m.toolCallId!))
      throw required(
        `'${m.toolCallId!}' answers no tool call of an earlier assistant message`,
        `messages[${i}].tool_call_id`,
      );
  });
}

/** Validates an OpenAI chat-completions body. Throws ProximaError (400) naming the failing field. */
export function parseChatRequest(body: unknown): ChatRequest {
  const wire = parseOrThrow(wireChatRequest, body, 'request body');
  refuseUnservable(wire);
  if (wire.top_logprobs != null && wire.logprobs !== true)
    throw new ProximaError('invalid_request', `'top_logprobs' needs 'logprobs': true.`, {
      param: 'top_logprobs',
    });
  if (
    wire.max_tokens &&
    wire.max_completion_tokens &&
    wire.max_tokens !== wire.max_completion_tokens
  ) {
    throw new ProximaError(
      'invalid_request',
      `'max_tokens' and 'max_completion_tokens' disagree; send one.`,
      {
        param: 'max_tokens',
      },
    );
  }
  const messages = wire.messages.map(messageOf);
  checkToolAnswers(messages);
  const images = messages.reduce((n, m) => n + (m.images?.length ?? 0), 0);
  if (images > IMAGE_LIMITS.perRequest)
    throw unsupported('messages', `at most ${IMAGE_LIMITS.perRequest} images per request.`);
  const tools = toolsOf(wire);
  const responseFormat = responseFormatOf(wire.response_format);
  if (responseFormat.type !== 'text' && tools.toolChoice !== 'none')
    throw unsupported(
      'response_format',
      `structured output and tool calls cannot be combined in one request; set 'tool_choice' to 'none' or drop 'response_format'.`,
    );
  const stop =
    wire.stop === undefined || wire.stop === null
      ? []
      : typeof wire.stop === 'string'
        ? [wire.stop]
        : wire.stop;
  return {
    model: wire.model,
    messages,
    stream: wire.stream === true,
    includeUsage: wire.stream_options?.include_usage === true,
    maxTokens: wire.max_completion_tokens ?? wire.max_tokens ?? undefined,
    temperature: wire.temperature ?? CHAT_DEFAULTS.temperature,
    topP: wire.top_p ?? CHAT_DEFAULTS.topP,
    stop,
    seed: wire.seed ?? undefined,
    frequencyPenalty: wire.frequency_penalty ?? 0,
    presencePenalty: wire.presence_penalty ?? 0,
    logitBias: Object.entries(wire.logit_bias ?? {}).map(([t, b]) => [Number(t), b] as const),
    logprobs: wire.logprobs === true ? (wire.top_logprobs ?? 0) : null,
    ...tools,
    responseFormat,
    reasoningEffort: wire.reasoning_effort ?? null,
  };
}
