import { ProximaError } from './errors.ts';

/** Retry-After for failures that another node, or the same one shortly, can serve. */
export const NODE_RETRY_AFTER_SECONDS = 5;

/**
 * What a client is told when a job fails: one fixed message per class. The node's own text
 * (engine output, paths, whatever it printed) never reaches the client; the edge logs it.
 */
export function jobFailureError(code: string | null): ProximaError {
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
