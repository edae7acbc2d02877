// OCR jobs on the PaddleOCR ONNX models, in this process: the node's OCR engine, loaded on the
// first OCR job and kept for the next ones. The answer is the node's /v1/ocr body.
// The engine's untyped model package is declared in local-node by a script (`declare module`),
// not a module, so only a reference brings it into this workspace's program.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- see above
/// <reference path="../../../local-node/src/engine/ocr/ocr-models.d.ts" />
import { Buffer } from 'node:buffer';
import type { OcrJob, RunResult } from '@proxima/core/jobs';
import { imageOf, ocrResponseBody, ProximaError } from '@proxima/core/protocol';
import { InvalidRequestError, type Engine, type OcrRequest } from '@proxima/local-node/engine';
import { ExecutionProviderError, type EpChoice } from '@proxima/local-node/execution-providers';
import type { Logger } from '@proxima/local-node/log';
import { createOcrEngine, DEFAULT_OCR_MODEL_ID } from '@proxima/local-node/ocr';
import { failure, messageOf, stopped, type RunFailure } from './failure.ts';

export interface OcrRunnerOptions {
  readonly ep: EpChoice;
  readonly log: Logger;
}

export interface OcrRunner {
  run(job: OcrJob, signal: AbortSignal): Promise<RunResult>;
  close(): Promise<void>;
}

export function createOcrRunner({ ep, log }: OcrRunnerOptions): OcrRunner {
  let loading: Promise<Engine> | undefined;

  /** One load however many jobs ask at once; a failed load is tried again by the next job. */
  const engine = (): Promise<Engine> => {
    loading ??= createOcrEngine({ ep, log }).catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
    return loading;
  };

  return {
    async run(job, signal) {
      const { model } = job.input;
      if (model !== DEFAULT_OCR_MODEL_ID)
        return failure(
          'model_not_found',
          `Model '${model}' is not an OCR model of this Function App; it serves '${DEFAULT_OCR_MODEL_ID}'.`,
          false,
        );
      const read = imageOfJob(job);
      if (!read.ok) return read;
      let ocr: Engine;
      try {
        ocr = await engine();
      } catch (err) {
        log('error', 'burst.ocr_load_failed', { ep, error: messageOf(err) });
        // A provider that is missing stays missing: the operator must change OCR_EP.
        if (err instanceof ExecutionProviderError)
          return failure('service_unavailable', `OCR_EP=${ep}: ${err.message}`, false);
        return failure('internal_error', `The OCR models did not load: ${messageOf(err)}`, true);
      }
      try {
        if (ocr.recognize === undefined) throw new Error('the OCR engine has no recognize()');
        const result = await ocr.recognize({ model, image: read.image }, signal);
        return { ok: true, result: ocrResponseBody(model, result.lines) };
      } catch (err) {
        if (signal.aborted) return stopped(signal);
        if (err instanceof InvalidRequestError)
          return failure('invalid_request', `'input.image': ${err.message}`, false);
        log('error', 'burst.ocr_failed', { id: job.id, error: messageOf(err) });
        return failure('internal_error', `OCR failed: ${messageOf(err)}`, true);
      }
    },

    async close() {
      const loaded = loading;
      loading = undefined;
      if (loaded === undefined) return;
      await loaded.then(
        (ocr) => ocr.close(),
        () => undefined,
      );
    },
  };
}

/** The job's data URL as image bytes (parseJob checked it; a job built elsewhere may not be). */
function imageOfJob(job: OcrJob): { ok: true; image: OcrRequest['image'] } | RunFailure {
  try {
    const image = imageOf(job.input.image, 'input.image');
    if (image.kind === 'data')
      return {
        ok: true,
        image: { mimeType: image.mimeType, bytes: Buffer.from(image.base64, 'base64') },
      };
    return failure('invalid_request', "'input.image' must be a data URL.", false);
  } catch (err) {
    if (err instanceof ProximaError) return failure(err.code, err.message, false);
    throw err;
  }
}
