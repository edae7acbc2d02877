import {
  certainlyExceedsContext,
  exceedsUtf8,
  isWellFormedText,
  REQUEST_BODY_MAX_BYTES,
} from '../limits.ts';
import { jobFrameFits, promptBytes } from './messages.ts';
import type { JobRequest, NodeModel } from './messages.ts';

/**
 * The job that continues a stream after its node failed mid-way: same prompt and sampling, with
 * the text the client already received as the assistant prefix. Only for a node that announced
 * the 'continue' feature (see nodeSupports); another would repeat that text.
 */
export type Continuation =
  | { readonly ok: true; readonly request: JobRequest }
  | { readonly ok: false; readonly reason: ContinuationRefusal; readonly message: string };

/**
 * budget_spent: the emitted chunks used up maxTokens; the stream ends with 'length' instead.
 * context: prompt plus prefix cannot fit the next node's context.
 * too_large: the job frame would exceed the frame limit.
 * ill_formed: the emitted text ends inside a surrogate pair (a chunk was cut, a bug upstream).
 */
export type ContinuationRefusal = 'budget_spent' | 'context' | 'too_large' | 'ill_formed';

export interface EmittedSoFar {
  /** Text of every chunk the client received for this job, in order. */
  readonly text: string;
  /** How many chunks that was. Each carries at least one sampled token. */
  readonly chunks: number;
}

export function continuationRequest(
  original: JobRequest,
  emitted: EmittedSoFar,
  next: Pick<NodeModel, 'contextSize' | 'maxPromptBytes'>,
): Continuation {
  if (emitted.text === '') return { ok: true, request: original }; // nothing shown: start over
  if (!isWellFormedText(emitted.text)) {
    return refuse('ill_formed', 'the emitted text contains an unpaired surrogate');
  }
  // Chunks never outnumber the tokens behind them, so this never cuts the client's budget short;
  // it can allow a few tokens more when the engine merged tokens into one chunk.
  const maxTokens = original.maxTokens === null ? null : original.maxTokens - emitted.chunks;
  if (maxTokens !== null && maxTokens < 1) {
    return refuse('budget_spent', `all ${original.maxTokens} tokens were already emitted`);
  }
  // A second failover continues the first continuation's text.
  const request: JobRequest = {
    ...original,
    maxTokens,
    assistantPrefix: (original.assistantPrefix ?? '') + emitted.text,
  };
  if (certainlyExceedsContext(promptBytes(request), next)) {
    return refuse(
      'context',
      `the prompt and the ${emitted.text.length} characters emitted do not fit a ${next.contextSize}-token context`,
    );
  }
  // The node's schema bounds a prefix like message content; the frame bounds the whole job.
  if (exceedsUtf8(request.assistantPrefix ?? '', REQUEST_BODY_MAX_BYTES) || !jobFrameFits(request))
    return refuse('too_large', 'the continuation does not fit a frame');
  return { ok: true, request };
}

function refuse(reason: ContinuationRefusal, message: string): Continuation {
  return { ok: false, reason, message };
}
