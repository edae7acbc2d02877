// Errors in Ollama's words: the shared path (parseChatRequest, capability checks, routing) names
// OpenAI's fields; an Ollama client is told the field it sent (`options.num_predict`, `format`).
import { ProximaError } from '../errors.ts';

/** Rewrites an OpenAI parameter path into the Ollama field a client sent. */
export type ParamNamer = (param: string) => string;

/** OpenAI prefixes and the Ollama fields they came from, longest first. */
const SHARED: ReadonlyArray<readonly [string, string]> = [
  ['response_format.json_schema.schema', 'format'],
  ['response_format', 'format'],
  ['max_completion_tokens', 'options.num_predict'],
  ['max_tokens', 'options.num_predict'],
  ['temperature', 'options.temperature'],
  ['top_p', 'options.top_p'],
  ['seed', 'options.seed'],
  ['stop', 'options.stop'],
  ['frequency_penalty', 'options.frequency_penalty'],
  ['presence_penalty', 'options.presence_penalty'],
  ['reasoning_effort', 'think'],
];

/** `rest` when `param` is `prefix` itself or a path below it, else null. */
function below(param: string, prefix: string): string | null {
  if (param === prefix) return '';
  const next = param[prefix.length];
  return param.startsWith(prefix) && (next === '.' || next === '[')
    ? param.slice(prefix.length)
    : null;
}

/** The renaming common to /api/chat and /api/generate; null when no rule applies. */
export function sharedParamOf(param: string): string | null {
  for (const [from, to] of SHARED) {
    const rest = below(param, from);
    if (rest !== null) return to + rest;
  }
  return null;
}

const CONTENT_PART = /^messages\[(\d+)\]\.content\[(\d+)\]/;
const CONTENT = /^messages\[(\d+)\]\.content$/;
const TOOL_CALL_ID = /^messages\[(\d+)\]\.tool_call_id$/;

/**
 * /api/chat: a user message with images became [text, ...images], so part k > 0 is image k-1
 * (and the vision capability, which names the content, is about the images).
 */
export function chatParamNamer(
  withImages: ReadonlySet<number>,
  matchedByName: ReadonlySet<number>,
): ParamNamer {
  return (param) => {
    const shared = sharedParamOf(param);
    if (shared !== null) return shared;
    const part = CONTENT_PART.exec(param);
    if (part) {
      const k = Number(part[2]);
      return k === 0 ? `messages[${part[1]}].content` : `messages[${part[1]}].images[${k - 1}]`;
    }
    const content = CONTENT.exec(param);
    if (content && withImages.has(Number(content[1]))) return `messages[${content[1]}].images`;
    const callId = TOOL_CALL_ID.exec(param);
    if (callId && matchedByName.has(Number(callId[1]))) return `messages[${callId[1]}].tool_name`;
    return param;
  };
}

/**
 * /api/generate: the prompt was sent as one user message (after the system message, if any),
 * its images as that message's image parts; a raw prompt was validated the same way.
 */
export function generateParamNamer(userIndex: number, hasImages: boolean): ParamNamer {
  const user = `messages[${userIndex}]`;
  return (param) => {
    const shared = sharedParamOf(param);
    if (shared !== null) return shared;
    const part = CONTENT_PART.exec(param);
    if (part && Number(part[1]) === userIndex) {
      const k = Number(part[2]);
      return k === 0 ? 'prompt' : `images[${k - 1}]`;
    }
    // With images the content is [prompt, ...images]: the vision capability names it whole.
    if (param === `${user}.content`) return hasImages ? 'images' : 'prompt';
    if (param === 'messages[0].content' && userIndex === 1) return 'system';
    if (param === 'messages' || param.startsWith('messages[')) return 'prompt';
    return param;
  };
}

/** The error with its field renamed (in `param` and where the message quotes it). */
export function renameError(err: unknown, namer: ParamNamer): unknown {
  if (!(err instanceof ProximaError) || err.param === null) return err;
  const param = namer(err.param);
  if (param === err.param) return err;
  const message = err.message.split(`'${err.param}'`).join(`'${param}'`);
  return new ProximaError(err.code, message, {
    param,
    ...(err.retryAfter === undefined ? {} : { retryAfter: err.retryAfter }),
    headers: err.headers,
  });
}

/** Runs `f`, renaming the field of any error it throws. */
export function namingErrors<T>(namer: ParamNamer, f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw renameError(err, namer);
  }
}
