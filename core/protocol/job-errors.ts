import { ProximaError } from './errors.ts';
import { quote } from './limits.ts';

/** Retry-After for failures that another node, or the same one shortly, can serve. */
export const NODE_RETRY_AFTER_SECONDS = 5;

/**
 * What a client is told when a job fails: one fixed message per class. The node's own text
 * (engine output, paths, whatever it printed) never reaches the client; the edge logs it.
 */
/**
 * Request parameters a node's engine may refuse for its model (local-node's InvalidRequestError):
 * only these names are ever read back from a node's message into a client's error.
 */
export const NODE_REFUSABLE_PARAMS = [
  'logit_bias',
  'response_format',
  'tools',
  'suffix',
  'reasoning_effort',
  'logprobs',
  // An embedding model's node: more dimensions than the model gives.
  'dimensions',
] as const;

/** The message of a node's invalid_request job error; nodeRefusedParam reads the name back. */
export function nodeInvalidRequestMessage(param: string, detail: string): string {
  return `refused '${param}': ${detail}`;
}

/** The parameter a node refused, when it is one of NODE_REFUSABLE_PARAMS; else null. */
export function nodeRefusedParam(message: string): (typeof NODE_REFUSABLE_PARAMS)[number] | null {
  const name = /^refused '([a-z_]{1,32})': /.exec(message)?.[1];
  return (NODE_REFUSABLE_PARAMS as readonly (string | undefined)[]).includes(name)
    ? (name as (typeof NODE_REFUSABLE_PARAMS)[number])
    : null;
}

/**
 * The client's error for a job that failed on a node. `message` is the node's own text: it never
 * reaches the client, except the name of a parameter it refused (nodeRefusedParam).
 */
export function jobFailureError(code: string | null, message?: string): ProximaError {
  switch (code) {
    case 'upstream_timeout':
      return new ProximaError(
        'upstream_timeout',
        'The node stopped sending output for too long; the answer was abandoned.',
      );
    case 'draining':
    case 'model_not_served':
      return new ProximaError(
        'no_capacity',
        'The node could not take the job right now; retry shortly.',
        { retryAfter: NODE_RETRY_AFTER_SECONDS },
      );
    case 'context_length_exceeded':
      return new ProximaError(
        'context_length_exceeded',
        "The prompt is longer than the model's context window; shorten the conversation.",
        { param: 'messages' },
      );
    case 'engine_failed':
      return new ProximaError('node_failed', 'The node failed while generating the answer.');
    // The engine refused a parameter it cannot honour for its model (local-node's
    // InvalidRequestError): the request, not the node, is at fault.
    case 'invalid_request': {
      const param = message === undefined ? null : nodeRefusedParam(message);
      return new ProximaError(
        'invalid_request',
        param === null
          ? "The model's node refused the request: a 'logit_bias' token id outside the model's " +
              'vocabulary or on its end-of-generation token, or a schema that no value can satisfy.'
          : `The model's node cannot honour '${param}' for this model` +
              (param === 'logit_bias'
                ? ': a token id outside its vocabulary, or its end-of-generation token.'
                : '.'),
        param === null ? {} : { param },
      );
    }
    case 'invalid_job':
      return new ProximaError('node_failed', 'The node refused the job.');
    case 'node_stalled':
      return new ProximaError(
        'node_failed',
        'The node stopped responding before the answer finished.',
      );
    case 'cancelled':
      return new ProximaError('node_failed', 'The job was cancelled before it finished.');
    case null:
      return new ProximaError('node_failed', 'The node ended the answer without finishing it.');
    default:
      return new ProximaError(
        'node_failed',
        "The node's connection was lost before the answer finished.",
      );
  }
}

/**
 * A prompt measured against a model's context: by the edge, in UTF-8 bytes against the most that
 * could fit (it has no tokenizer), or by the node, in tokens.
 */
export type ContextMeasure =
  | {
      readonly by: 'bytes';
      readonly promptBytes: number;
      readonly maxPromptBytes: number;
      readonly contextSize: number;
    }
  | { readonly by: 'tokens'; readonly promptTokens: number; readonly contextSize: number };

/** The 400 for a prompt that does not fit: the model's context and the prompt's measured size. */
export function contextLengthError(
  model: string,
  param: string,
  measure: ContextMeasure,
): ProximaError {
  const context = `the context window of ${quote(model)} is ${measure.contextSize} tokens`;
  const message =
    measure.by === 'tokens'
      ? `The prompt is ${measure.promptTokens} tokens and ${context}; shorten the prompt.`
      : `The prompt is ${measure.promptBytes} bytes and ${context}: no prompt over ` +
        `${measure.maxPromptBytes} bytes fits it; shorten the prompt.`;
  return new ProximaError('context_length_exceeded', message, { param });
}

/** The message of a node's context_length_exceeded job error; nodeContextMeasure reads it back. */
export function nodeContextOverflowMessage(promptTokens: number, contextSize: number): string {
  return `prompt is ${promptTokens} tokens; the context holds ${contextSize}`;
}

/**
 * The node's own count, from its context_length_exceeded message (nodeContextOverflowMessage), or
 * null. Only the two numbers are taken: the node's text itself never reaches a client.
 */
export function nodeContextMeasure(message: string): ContextMeasure | null {
  const m = /^prompt is (\d{1,12}) tokens; the context holds (\d{1,12})$/.exec(message);
  if (!m) return null;
  return { by: 'tokens', promptTokens: Number(m[1]), contextSize: Number(m[2]) };
}
