/**
 * What went wrong talking to Ollama, as the node reports it: an abort is an AbortError, a prompt
 * that does not fit is a ContextOverflowError, a missing capability an InvalidRequestError, an
 * unreachable server or an unknown model an Error naming the host.
 */
import { nodeContextMeasure } from '@proxima/core/protocol';
import { abortError } from '../abort.ts';
import { ContextOverflowError, InvalidRequestError } from '../engine.ts';

export interface FailureContext {
  readonly host: string;
  readonly signal: AbortSignal;
  /** The model's name on the server, when the request was about one. */
  readonly model?: string;
  /** What the model's context was announced as: the fallback when the server gives no sizes. */
  readonly contextSize?: number;
}

/**
 * Ollama's and llama-server's words for a prompt that does not fit ("the input length exceeds
 * the context length", "the prompt is longer than the context length…", "…exceeds the available
 * context size") and a Proxima node's ("…; shorten the prompt").
 */
const OVERFLOW = /(exceeds?|longer than)\b.*\bcontext|\bcontext\b.*\b(exceed|shorten)/i;

/** Ollama's capability refusals: `"m" does not support tools`. */
const UNSUPPORTED: ReadonlyArray<readonly [RegExp, string]> = [
  [/does not support tools/i, 'tools'],
  [/does not support thinking/i, 'reasoning_effort'],
  [/does not support insert/i, 'suffix'],
  [/does not support (chat|generate|completion)/i, 'model'],
  [/does not support (embed|embedding)/i, 'model'],
  [/does not support (vision|images?)|images? .*not supported/i, 'messages'],
];

/** The HTTP status of the client's ResponseError, if it is one. */
function statusOf(err: Error): number | undefined {
  const status = (err as { status_code?: unknown }).status_code;
  return typeof status === 'number' ? status : undefined;
}

/** fetch's "fetch failed" TypeError: the reason is in its cause (ECONNREFUSED, ENOTFOUND …). */
function networkReason(err: Error): string | undefined {
  if (!(err instanceof TypeError)) return undefined;
  const cause: unknown = err.cause;
  if (typeof cause !== 'object' || cause === null) return undefined;
  const { code, message } = cause as { code?: unknown; message?: unknown };
  if (typeof code === 'string') return code;
  return typeof message === 'string' ? message : undefined;
}

/** The sizes in an overflow message, when it gives them. */
export function overflowSizes(
  message: string,
): { promptTokens: number; contextSize: number } | null {
  const node = nodeContextMeasure(message);
  if (node?.by === 'tokens')
    return { promptTokens: node.promptTokens, contextSize: node.contextSize };
  const m = /\b(\d{1,12}) tokens\b.*?\b(\d{1,12}) tokens\b/.exec(message);
  return m ? { promptTokens: Number(m[1]), contextSize: Number(m[2]) } : null;
}

export function ollamaFailure(err: unknown, ctx: FailureContext): Error {
  if (ctx.signal.aborted) return abortError(ctx.signal);
  if (!(err instanceof Error)) return new Error(`ollama engine: ${String(err)}`);
  const reason = networkReason(err);
  if (reason !== undefined)
    return new Error(`ollama engine: cannot reach the Ollama server at ${ctx.host} (${reason})`, {
      cause: err,
    });
  const message = err.message;
  if (OVERFLOW.test(message)) {
    const sizes = overflowSizes(message);
    // Without sizes, the prompt is at least the context it did not fit.
    const context = sizes?.contextSize ?? ctx.contextSize ?? 0;
    return new ContextOverflowError(sizes?.promptTokens ?? context, context);
  }
  // A Proxima node names the field: "'format' is not supported: …".
  const named = /^'([\w.[\]-]{1,64})' is not supported\b/.exec(message);
  if (named?.[1] !== undefined) return new InvalidRequestError(message, named[1]);
  for (const [pattern, param] of UNSUPPORTED)
    if (pattern.test(message))
      return new InvalidRequestError(`${param}: the Ollama server says: ${message}`, param);
  if (ctx.model !== undefined && (statusOf(err) === 404 || /\bnot found\b/i.test(message)))
    return new Error(
      `ollama engine: the Ollama server at ${ctx.host} has no model '${ctx.model}' (it says: ${message})`,
      { cause: err },
    );
  return new Error(`ollama engine: the Ollama server at ${ctx.host} failed: ${message}`, {
    cause: err,
  });
}
