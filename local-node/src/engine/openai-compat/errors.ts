/**
 * The openai client's errors as the engine's: a prompt too long for the context and a refused
 * parameter are the caller's (400s), an abort is an AbortError, the rest say what went wrong
 * with the server and where.
 */
import { nodeContextMeasure } from '@proxima/core/protocol';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { abortError } from '../abort.ts';
import { ContextOverflowError, InvalidRequestError } from '../engine.ts';

type Fields = Readonly<Record<string, unknown>>;
const fieldsOf = (v: unknown): Fields | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Fields) : undefined;
const count = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;

/**
 * How servers word an overflow, each as [prompt tokens, context] capture groups: OpenAI and vLLM
 * ("maximum context length is 4096 tokens. However, you requested 5000 tokens"), Proxima's API
 * ("The prompt is 5000 tokens and the context window of 'm' is 4096 tokens").
 */
const OVERFLOW_WORDINGS: readonly { readonly pattern: RegExp; readonly prompt: 1 | 2 }[] = [
  {
    pattern:
      /maximum context length is (\d{1,12}) tokens\. However, (?:your messages resulted in|you requested) (\d{1,12}) tokens/,
    prompt: 2,
  },
  {
    pattern: /prompt is (\d{1,12}) tokens and the context window of .* is (\d{1,12}) tokens/,
    prompt: 1,
  },
];

/** The sizes an overflow error gives, where it gives them. */
export function overflowSizes(
  error: unknown,
  message: string,
): { promptTokens: number; contextSize: number } | undefined {
  // llama-server says them in fields of its error.
  const fields = fieldsOf(error);
  const promptTokens = count(fields?.['n_prompt_tokens']);
  const contextSize = count(fields?.['n_ctx']);
  if (promptTokens !== undefined && contextSize !== undefined) return { promptTokens, contextSize };
  const measured = nodeContextMeasure(message);
  if (measured?.by === 'tokens')
    return { promptTokens: measured.promptTokens, contextSize: measured.contextSize };
  for (const { pattern, prompt } of OVERFLOW_WORDINGS) {
    const m = pattern.exec(message);
    if (m === null) continue;
    const [a, b] = [Number(m[1]), Number(m[2])];
    return prompt === 1 ? { promptTokens: a, contextSize: b } : { promptTokens: b, contextSize: a };
  }
  return undefined;
}

/** The innermost Error of a cause chain ("fetch failed" wraps "connect ECONNREFUSED …"). */
function rootCause(err: Error): Error {
  let root = err;
  for (let depth = 0; depth < 8 && root.cause instanceof Error; depth++) root = root.cause;
  return root;
}

/** The server's own words: the `error.message` it sent, without the client's status prefix. */
function serverMessage(error: unknown, fallback: string): string {
  const message = fieldsOf(error)?.['message'];
  if (typeof message === 'string' && message !== '') return message;
  return typeof error === 'string' && error !== '' ? error : fallback;
}

function isOverflow(error: unknown, code: unknown): boolean {
  return (
    code === 'context_length_exceeded' || fieldsOf(error)?.['type'] === 'exceed_context_size_error'
  );
}

/** The error to throw for `err`, raised by a request to the server at `url`. */
export function engineErrorOf(err: unknown, url: string, signal: AbortSignal): Error {
  if (signal.aborted || err instanceof APIUserAbortError) return abortError(signal);
  const where = `the server at ${url}`;
  if (err instanceof APIConnectionTimeoutError)
    return new Error(`openai-compatible engine: ${where} did not answer in time`, { cause: err });
  if (err instanceof APIConnectionError) {
    const cause = rootCause(err);
    const why = cause === err ? '' : `: ${cause.message}`;
    return new Error(`openai-compatible engine: cannot reach ${where}${why}`, { cause: err });
  }
  if (!(err instanceof APIError)) return err instanceof Error ? err : new Error(String(err));
  const message = serverMessage(err.error, err.message);
  if (err.status === 401 || err.status === 403)
    return new Error(
      `openai-compatible engine: ${where} refused the API key (HTTP ${err.status}): ${message}`,
      { cause: err },
    );
  if (err.status === 400 && isOverflow(err.error, err.code)) {
    const sizes = overflowSizes(err.error, message);
    const overflow = new ContextOverflowError(sizes?.promptTokens ?? 0, sizes?.contextSize ?? 0);
    if (sizes === undefined) overflow.message = message;
    return overflow;
  }
  if (err.status === 400 && typeof err.param === 'string' && err.param !== '')
    return new InvalidRequestError(message, err.param);
  const status = err.status === undefined ? 'an error' : `HTTP ${err.status}`;
  return new Error(`openai-compatible engine: ${where} answered ${status}: ${message}`, {
    cause: err,
  });
}
