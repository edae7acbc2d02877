// The one path behind the routes only the Function App serves (POST /v1/ocr, POST
// /v1/audio/transcriptions): the job checked as the Function App checks it, admitted under the
// tenant's limits, run on the burst tier (its breaker), and metered; every refusal in the
// client's terms.
import { trackBurst } from '../metrics/recording.ts';
import { parseJob, type BurstJobInput } from '@proxima/core/jobs';
import { BURST_BACKEND_NAME } from '@proxima/core/routing';
import { ProximaError, type TokenUsage } from '@proxima/core/protocol';
import type { Context } from 'hono';
import type { AuthVariables } from '../auth/require-api-key.ts';
import type { Env } from '../env.ts';
import { admit, settle } from '../metering/meter.ts';
import { backendHeaders } from '../routes/backend-header.ts';
import { runOnBurst } from '../routes/dispatch.ts';
import { newJobId, runJob } from './client.ts';
import type { BurstConfig } from './config.ts';
import { inClientTerms, jobFailureError } from './errors.ts';

export interface JobAnswer {
  /** The job's result (core/jobs/wire.ts RunResult's `result`, by kind). */
  readonly result: unknown;
  /** Rate-limit and backend headers for the response. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface JobRequest {
  readonly model: string;
  /** The job without its id and tenant, which are filled in here. */
  readonly job: (id: string, tenant: string) => BurstJobInput;
  /** A job field as the client named it (`input.image` → `image`). */
  readonly rename: (jobField: string) => string;
  /** Tokens to meter, read from the result; none when it says none. */
  readonly usage?: (result: unknown) => TokenUsage;
}

const NO_USAGE: TokenUsage = { promptTokens: 0, completionTokens: 0 };

export async function answerWithJob(
  c: Context<{ Bindings: Env; Variables: AuthVariables }>,
  config: BurstConfig,
  req: JobRequest,
): Promise<JobAnswer> {
  const auth = c.get('auth');
  const inTerms = (err: unknown) =>
    err instanceof ProximaError ? inClientTerms(err, req.rename) : err;
  let job;
  try {
    job = parseJob(req.job(newJobId(), auth.tenant));
  } catch (err) {
    throw inTerms(err);
  }
  const admission = await admit(c.env, auth, 0, req.model);
  const end = (usage: TokenUsage, error: string | null) =>
    settle(c.executionCtx, c.env, auth, admission, {
      model: req.model,
      backend: BURST_BACKEND_NAME,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      cacheHit: false,
      error,
    });
  let result: unknown;
  try {
    result = await runOnBurst(req.model, async () => {
      const view = await trackBurst(
        c.env,
        () => runJob(config, job, c.req.raw.signal),
        (v) => v.status === 'succeeded',
      ).catch((err: unknown) => {
        throw inTerms(err);
      });
      if (view.status === 'failed') throw inClientTerms(jobFailureError(view), req.rename);
      return view.result;
    });
  } catch (err) {
    end(NO_USAGE, err instanceof ProximaError ? err.code : 'internal_error');
    throw err;
  }
  end(req.usage?.(result) ?? NO_USAGE, null);
  return {
    result,
    headers: { ...admission.headers, ...backendHeaders(c.env, BURST_BACKEND_NAME) },
  };
}
