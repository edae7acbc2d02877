// POST /v1/completions (OpenAI's legacy text completions) onto the one request type. The fields
// it shares with chat are validated by parseChatRequest itself, so both dialects resolve the same
// way and name the same fields; only what is the legacy API's own is handled here.
import * as z from 'zod';
import { ProximaError } from '../errors.ts';
import { isWellFormedText } from '../limits.ts';
import { parseOrThrow } from '../validation.ts';
import { parseChatRequest, type ChatRequest } from './chat-request.ts';

/** The legacy API's bounds: alternatives per token (`logprobs`) and its default `max_tokens`. */
export const COMPLETION_LIMITS = { logprobs: 5, defaultMaxTokens: 16 } as const;

/** Parameters that mean the same in both APIs: passed to parseChatRequest unchanged. */
const SHARED = [
  'model',
  'max_tokens',
  'temperature',
  'top_p',
  'stop',
  'seed',
  'stream',
  'stream_options',
  'frequency_penalty',
  'presence_penalty',
  'logit_bias',
  'user',
] as const;

const text = z.string().refine(isWellFormedText, 'must not contain unpaired surrogates');

/** The legacy API's own parameters (the shared ones are checked by parseChatRequest). */
const wireOwn = z.object({
  prompt: z.unknown(),
  suffix: text.nullish(),
  logprobs: z.number().int().min(0).max(COMPLETION_LIMITS.logprobs).nullish(),
  echo: z.boolean().nullish(),
  best_of: z.number().int().min(1).max(20).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  /** Proxima's extensions (cache, RAG) work on chat messages; a raw prompt has none. */
  proxima: z.object({}).loose().nullish(),
});

const KNOWN = new Set<string>([...SHARED, ...Object.keys(wireOwn.shape)]);

/** A parsed /v1/completions body: the request every backend serves, and how to render it. */
export interface CompletionRequest {
  /** `messages` is empty; `prompt` holds the text and, for fill in the middle, the suffix. */
  readonly request: ChatRequest & { readonly prompt: { text: string; suffix?: string } };
  /** The prompt comes back before the completion in `text` (OpenAI's `echo`). */
  readonly echo: boolean;
}

function invalid(param: string, why: string): ProximaError {
  return new ProximaError('invalid_request', `Invalid '${param}': ${why}.`, { param });
}

function unsupported(param: string, why: string): ProximaError {
  return new ProximaError('unsupported_parameter', `'${param}' is not supported: ${why}`, {
    param,
  });
}

/** One text prompt. A batch of prompts or token ids is refused by name, not half-served. */
function promptOf(prompt: unknown): string {
  if (typeof prompt === 'string') {
    if (!isWellFormedText(prompt)) throw invalid('prompt', 'must not contain unpaired surrogates');
    return prompt;
  }
  if (prompt === undefined || prompt === null) throw invalid('prompt', 'required');
  if (!Array.isArray(prompt)) throw invalid('prompt', 'must be a string');
  if (prompt.length === 1 && typeof prompt[0] === 'string') return promptOf(prompt[0]);
  if (prompt.length > 0 && prompt.every((p) => typeof p === 'string'))
    throw unsupported(
      'prompt',
      `one prompt per request is served; send the ${prompt.length} prompts as separate requests.`,
    );
  if (prompt.length > 0 && prompt.every((p) => typeof p === 'number' || Array.isArray(p)))
    throw unsupported('prompt', 'prompts of token ids are not served; send the text.');
  throw invalid('prompt', 'must be a string or an array of one string');
}

/** Validates an OpenAI completions body. Throws ProximaError (400) naming the failing field. */
export function parseCompletionRequest(body: unknown): CompletionRequest {
  const own = parseOrThrow(wireOwn, body, 'request body');
  const fields = body as Record<string, unknown>;
  // OpenAI answers an unknown argument with a 400; silently dropping it would change its meaning.
  for (const key of Object.keys(fields))
    if (!KNOWN.has(key))
      throw unsupported(key.slice(0, 64), 'it is not a parameter of /v1/completions.');
  if (own.n != null && own.n !== 1) throw unsupported('n', 'only n=1 is served.');
  if (own.proxima != null && Object.keys(own.proxima).length > 0)
    throw unsupported(
      'proxima',
      'its cache and RAG options work on chat messages; use /v1/chat/completions for them.',
    );
  if (own.best_of != null && own.best_of !== 1)
    throw unsupported('best_of', 'only best_of=1 is served (one completion per request).');
  const promptText = promptOf(own.prompt);
  const suffix = own.suffix ?? '';
  const echo = own.echo === true;
  if (echo && suffix !== '')
    throw unsupported('echo', `it cannot be combined with 'suffix' (the prompt is not one text).`);
  if (echo && own.logprobs != null)
    throw unsupported(
      'echo',
      `with 'logprobs' it needs the prompt's log probabilities, which are not served.`,
    );
  const shared: Record<string, unknown> = {};
  for (const key of SHARED) if (key in fields) shared[key] = fields[key];
  const chat = parseChatRequest({
    ...shared,
    // Only to satisfy the chat schema: the request carries the prompt, not messages.
    messages: [{ role: 'user', content: '' }],
    max_tokens: fields['max_tokens'] ?? COMPLETION_LIMITS.defaultMaxTokens,
    ...(own.logprobs == null ? {} : { logprobs: true, top_logprobs: own.logprobs }),
  });
  return {
    request: {
      ...chat,
      messages: [],
      prompt: suffix === '' ? { text: promptText } : { text: promptText, suffix },
    },
    echo,
  };
}
