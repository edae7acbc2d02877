// A chat request as a burst job: `chat`, or `vision` when it has image parts (the Function App
// sends those to a vision deployment). The job carries the request in OpenAI's wire shape, as an
// upstream would get it; the answer is OpenAI's chat.completion, read like an upstream's.
import { trackBurst } from '../metrics/recording.ts';
import { hasImageParts, parseJob, type BurstJob } from '@proxima/core/jobs';
import { ProximaError, upstreamChatBody, type ChatRequest } from '@proxima/core/protocol';
import type { ModelCapability } from '@proxima/core/protocol';
import type { Env } from '../env.ts';
import type { WholeOutcome } from '../routes/dispatch.ts';
import { wholeAnswerOf } from '../upstream/wire-answer.ts';
import { newJobId, runJob } from './client.ts';
import { burstModelsOf, requireBurst } from './config.ts';
import { inClientTerms, jobFailureError } from './errors.ts';

/** A chat job's fields in the client's terms: `input.request.messages[0]` is `messages[0]`. */
function chatField(jobField: string): string {
  if (jobField.startsWith('input.request.')) return jobField.slice('input.request.'.length);
  return jobField === 'input.model' ? 'model' : jobField;
}

/** The job for `req` (not streamed: a job answers whole), checked as the Function App checks it. */
export function chatJob(
  id: string,
  tenant: string,
  req: ChatRequest,
  capabilities: readonly ModelCapability[],
): BurstJob {
  const wire = upstreamChatBody(req, { model: req.model, capabilities }, false);
  const { model: _model, stream: _stream, ...request } = wire;
  const kind = hasImageParts(request) ? 'vision' : 'chat';
  try {
    return parseJob({ id, tenant, kind, input: { model: req.model, request } });
  } catch (err) {
    throw err instanceof ProximaError ? inClientTerms(err, chatField) : err;
  }
}

/** Runs `req` on the Function App: the whole answer, or a ProximaError in the client's terms. */
export async function completeOnBurst(
  env: Env,
  tenant: string,
  req: ChatRequest,
  signal: AbortSignal,
): Promise<WholeOutcome> {
  const config = requireBurst(env);
  const capabilities = burstModelsOf(env).find((m) => m.model === req.model)?.capabilities ?? [];
  const job = chatJob(newJobId(), tenant, req, capabilities);
  let view;
  try {
    view = await trackBurst(
      env,
      () => runJob(config, job, signal),
      (v) => v.status === 'succeeded',
    );
  } catch (err) {
    throw err instanceof ProximaError ? inClientTerms(err, chatField) : err;
  }
  if (view.status === 'failed') throw inClientTerms(jobFailureError(view), chatField);
  const whole = wholeAnswerOf(view.result, req.logprobs !== null);
  if (!whole.ok) {
    console.warn(JSON.stringify({ event: 'burst.bad_result', id: job.id, problem: whole.problem }));
    throw new ProximaError(
      'upstream_error',
      `Burst job ${job.id} answered something that is not a chat completion.`,
    );
  }
  return { t: 'done', ...whole.value };
}
