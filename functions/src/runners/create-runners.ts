// The Function App's job runner: each burst job to the runner of its kind. Chat, vision and
// transcription go to Azure AI Foundry; OCR runs here on ONNX.
import type { BurstJob, RunResult } from '@proxima/core/jobs';
import type { EpChoice } from '@proxima/local-node/execution-providers';
import { silentLogger, type Logger } from '@proxima/local-node/log';
import type OpenAI from 'openai';
import { runChat } from './chat.ts';
import { failure } from './failure.ts';
import { foundryClient, type FoundryOptions } from './foundry.ts';
import { createOcrRunner } from './ocr.ts';
import type { JobRunner } from './runner.ts';
import { runTranscription } from './transcribe.ts';

export type { FoundryOptions } from './foundry.ts';

export interface RunnerOptions {
  /** null: no Foundry is configured, and chat, vision and transcription jobs fail. */
  readonly foundry: FoundryOptions | null;
  readonly ocr: { readonly ep: EpChoice };
  readonly log?: Logger;
}

export function createRunners(options: RunnerOptions): Promise<JobRunner> {
  const log = options.log ?? silentLogger;
  const foundry =
    options.foundry === null
      ? null
      : { client: foundryClient(options.foundry), deployments: options.foundry.deployments };
  const ocr = createOcrRunner({ ep: options.ocr.ep, log });
  let closed = false;

  const onFoundry = (
    job: BurstJob,
    run: (client: OpenAI, deployments: ReadonlyMap<string, string>) => Promise<RunResult>,
  ): Promise<RunResult> =>
    foundry === null
      ? Promise.resolve(
          failure(
            'service_unavailable',
            `This Function App has no Foundry to run ${job.kind} jobs on: set FOUNDRY_ENDPOINT (and FOUNDRY_DEPLOYMENTS).`,
            false,
          ),
        )
      : run(foundry.client, foundry.deployments);

  const runner: JobRunner = {
    async run(job, signal) {
      if (closed) throw new Error('the job runners are closed');
      let result: RunResult;
      switch (job.kind) {
        case 'chat':
        case 'vision':
          result = await onFoundry(job, (client, d) => runChat(client, d, job, signal));
          break;
        case 'transcribe':
          result = await onFoundry(job, (client, d) => runTranscription(client, d, job, signal));
          break;
        case 'ocr':
          result = await ocr.run(job, signal);
          break;
      }
      if (!result.ok)
        log('warn', 'burst.run_failed', {
          id: job.id,
          kind: job.kind,
          code: result.code,
          retryable: result.retryable,
          message: result.message,
        });
      return result;
    },

    async close() {
      closed = true;
      await ocr.close();
    },
  };
  return Promise.resolve(runner);
}
