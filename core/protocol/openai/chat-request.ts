import * as z from 'zod';
import { ProximaError } from '../errors.ts';
import { FIELD_LIMITS as L, isWellFormedText, MODEL_ID_PATTERN, MODEL_ID_RULE } from '../limits.ts';
import { parseOrThrow } from '../validation.ts';

/** Prompt text: any length (the body limit bounds it), but well-formed Unicode. */
const text = z.string().refine(isWellFormedText, 'must not contain unpaired surrogates');

const textPart = z.object({ type: z.literal('text'), text });
const contentPart = z.discriminatedUnion('type', [
  textPart,
  z.object({ type: z.literal('image_url') }).loose(),
  z.object({ type: z.literal('input_audio') }).loose(),
  z.object({ type: z.literal('file') }).loose(),
]);

const message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([text, z.array(contentPart).max(L.messages), z.null()]).optional(),
  name: z.string().max(L.messageNameChars).optional(),
});

const maxTokens = z.number().int().min(1).max(L.maxTokensCeiling);
const stopString = text.pipe(z.string().min(1).max(L.stopChars));

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
  logprobs: z.boolean().nullish(),
  tools: z.array(z.unknown()).max(128).nullish(),
  functions: z.array(z.unknown()).max(128).nullish(),
  tool_choice: z.unknown().optional(),
  response_format: z.object({ type: z.string() }).loose().nullish(),
  proxima: z.object({}).loose().nullish(),
});

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
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
}

export const CHAT_DEFAULTS = { temperature: 1, topP: 1 } as const;

function unsupported(param: string, why: string): ProximaError {
  return new ProximaError('unsupported_parameter', `'${param}' is not supported: ${why}`, {
    param,
  });
}

function contentToText(
  content: z.infer<typeof message>['content'],
  index: number,
  role: string,
): string {
  if (content === undefined || content === null) {
    throw new ProximaError(
      'invalid_request',
      `Invalid 'messages[${index}].content': required for role '${role}'.`,
      {
        param: `messages[${index}].content`,
      },
    );
  }
  if (typeof content === 'string') return content;
  let text = '';
  for (const [p, part] of content.entries()) {
    if (part.type !== 'text') {
      throw unsupported(
        `messages[${index}].content[${p}]`,
        `'${part.type}' parts need a multimodal backend, which is not configured.`,
      );
    }
    text += part.text;
  }
  return text;
}

/** Validates an OpenAI chat-completions body. Throws ProximaError (400) naming the failing field. */
export function parseChatRequest(body: unknown): ChatRequest {
  const wire = parseOrThrow(wireChatRequest, body, 'request body');
  if (wire.n !== undefined && wire.n !== null && wire.n !== 1)
    throw unsupported('n', 'only n=1 is served.');
  if (wire.logprobs === true) throw unsupported('logprobs', 'log probabilities are not returned.');
  if (wire.tools?.length) throw unsupported('tools', 'tool calling is not available yet.');
  if (wire.functions?.length)
    throw unsupported('functions', 'function calling is not available yet.');
  if (wire.tool_choice !== undefined && wire.tool_choice !== null && wire.tool_choice !== 'none') {
    throw unsupported('tool_choice', 'tool calling is not available yet.');
  }
  if (wire.response_format && wire.response_format.type !== 'text') {
    throw unsupported('response_format', `only 'text' is served.`);
  }
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
  const messages = wire.messages.map((m, i): ChatMessage => {
    if (m.role === 'tool')
      throw unsupported(`messages[${i}].role`, `'tool' messages need tool calling.`);
    const role: ChatRole = m.role === 'developer' ? 'system' : m.role;
    return { role, content: contentToText(m.content, i, m.role) };
  });
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
  };
}
