// The Function App's HTTP answers and the callback body: one view of a job, read by the edge.
//   POST /api/jobs         signed BurstJob → 202 JobView (new), 200 JobView (same id and body
//                          again), 400/413 naming the field, 401 bad signature, 409 same id and
//                          another body
//   GET  /api/jobs/{id}    signed, empty body → 200 JobView, 404
//   callback (optional)    POST <job.callback.url>, signed JobView, once the job is finished
// Signatures: signature.ts, the same shared secret both ways.
import { observedStatus, type JobError, type JobRecord, type JobStatus } from './state.ts';
import type { JobKind } from './schema.ts';

export const JOBS_PATH = '/api/jobs';

export interface JobView {
  readonly id: string;
  readonly kind: JobKind;
  readonly status: JobStatus;
  readonly attempts: number;
  /** ms since the epoch */
  readonly created_at: number;
  readonly updated_at: number;
  readonly error: JobError | null;
  /** The run's answer once succeeded (RunResult's `result`), else null. */
  readonly result: unknown;
}

export function jobView(record: JobRecord, result: unknown, now: number): JobView {
  const { status, error } = observedStatus(record, now);
  return {
    id: record.id,
    kind: record.kind,
    status,
    attempts: record.attempts,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    error,
    result: status === 'succeeded' ? (result ?? null) : null,
  };
}

/**
 * What running a job gives. `result` by kind: chat and vision, OpenAI's chat.completion object;
 * ocr, `{model, text, lines}` as the node's /v1/ocr answers; transcribe, OpenAI's transcription
 * object for json and verbose_json, `{text}` holding the raw body for text, srt and vtt.
 */
export type RunResult =
  | { readonly ok: true; readonly result: unknown }
  | {
      readonly ok: false;
      readonly code: string;
      readonly message: string;
      readonly retryable: boolean;
    };
