// A burst job's life, as pure decisions over its Table record: admitting a POST (idempotent by job
// id), planning a queue delivery (run, finish a run that crashed after storing its result, ignore a
// finished job, or poison), and recording a run's outcome. The Function App's handlers only carry
// these out, so a crash between any two of their steps leaves a record these rules recover from:
// a job is neither lost nor run to completion twice.
import { BURST_LIMITS } from './limits.ts';
import type { BurstJob, JobKind } from './schema.ts';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface JobError {
  /** A ProximaError code, or 'abandoned' / 'poisoned' for jobs the queue gave up on. */
  readonly code: string;
  readonly message: string;
}

export interface JobRecord {
  readonly id: string;
  readonly kind: JobKind;
  readonly tenant: string;
  readonly status: JobStatus;
  /** Deliveries that began running the job. */
  readonly attempts: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** The last failure: kept while a retry is pending, final once the job failed. */
  readonly error: JobError | null;
  /** SHA-256 (hex) of the accepted job: the same id posted with another job is a conflict. */
  readonly digest: string;
  readonly callbackUrl: string | null;
  /**
   * The queue message whose delivery runs the job (its id), while running: another message for
   * the same job (a POST retried after a lost enqueue sends one) must not run it a second time.
   */
  readonly runner: string | null;
}

export type Admission =
  | { readonly action: 'create'; readonly record: JobRecord }
  /**
   * The id is known with the same job: answer as for the first POST. `enqueue`: no delivery has
   * begun, so the first POST may have stored the record and died before its message was sent;
   * send one again (a duplicate message is harmless: planDelivery runs a job once).
   */
  | { readonly action: 'existing'; readonly record: JobRecord; readonly enqueue: boolean }
  | { readonly action: 'conflict'; readonly message: string };

export function admit(
  existing: JobRecord | null,
  job: BurstJob,
  digest: string,
  now: number,
): Admission {
  if (existing !== null) {
    if (existing.digest === digest)
      return {
        action: 'existing',
        record: existing,
        enqueue: existing.status === 'queued' && existing.attempts === 0,
      };
    return {
      action: 'conflict',
      message: `job ${job.id} already exists with another body; a new job needs a new id`,
    };
  }
  return {
    action: 'create',
    record: {
      id: job.id,
      kind: job.kind,
      tenant: job.tenant,
      status: 'queued',
      attempts: 0,
      createdAt: now,
      updatedAt: now,
      error: null,
      digest,
      callbackUrl: job.callback?.url ?? null,
      runner: null,
    },
  };
}

export type Delivery =
  /** Run the job; store `record` (status running) first. */
  | { readonly action: 'run'; readonly record: JobRecord }
  /** An earlier run stored its result and crashed before saying so: record the success only. */
  | { readonly action: 'complete'; readonly record: JobRecord }
  /** Finished already, or running under another message: delete this message, do nothing. */
  | { readonly action: 'ack' }
  /** Give up: move the message to the poison queue with `reason`; store `record` if not null. */
  | { readonly action: 'poison'; readonly reason: string; readonly record: JobRecord | null };

/**
 * What to do with the `dequeueCount`-th delivery of message `messageId` for a job, given its
 * record (null: unknown id) and whether a result is already stored.
 */
export function planDelivery(
  record: JobRecord | null,
  resultStored: boolean,
  messageId: string,
  dequeueCount: number,
  now: number,
): Delivery {
  if (record === null)
    return { action: 'poison', reason: 'no job has this id (its record is missing)', record: null };
  if (record.status === 'succeeded' || record.status === 'failed') return { action: 'ack' };
  // Another message's delivery runs it now; if that run dies, its own message comes back.
  if (
    record.status === 'running' &&
    record.runner !== null &&
    record.runner !== messageId &&
    now - record.updatedAt <= BURST_LIMITS.runTimeoutMs
  )
    return { action: 'ack' };
  if (resultStored) return { action: 'complete', record: succeeded(record, now) };
  if (dequeueCount > BURST_LIMITS.maxDeliveries) {
    const reason = `delivered ${dequeueCount - 1} times without finishing`;
    return { action: 'poison', reason, record: failed(record, 'poisoned', reason, now) };
  }
  return {
    action: 'run',
    record: {
      ...record,
      status: 'running',
      attempts: record.attempts + 1,
      updatedAt: now,
      runner: messageId,
    },
  };
}

export type RunOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: string;
      readonly message: string;
      /** The same job may work later (an upstream 5xx or timeout); a bad request never will. */
      readonly retryable: boolean;
    };

export type Settlement =
  | { readonly action: 'done'; readonly record: JobRecord }
  /** Store `record` (queued, with the error), then let the queue deliver the message again. */
  | { readonly action: 'retry'; readonly record: JobRecord }
  /** Store `record` (failed) and move the message to the poison queue with `reason`. */
  | { readonly action: 'poison'; readonly record: JobRecord; readonly reason: string };

/** Records the outcome of the run that the `dequeueCount`-th delivery began. */
export function settle(
  record: JobRecord,
  outcome: RunOutcome,
  dequeueCount: number,
  now: number,
): Settlement {
  if (outcome.ok) return { action: 'done', record: succeeded(record, now) };
  const message = outcome.message.slice(0, BURST_LIMITS.errorChars);
  if (!outcome.retryable)
    return { action: 'done', record: failed(record, outcome.code, message, now) };
  if (dequeueCount >= BURST_LIMITS.maxDeliveries) {
    const reason = `failed ${dequeueCount} times; last: ${outcome.code}: ${message}`;
    return { action: 'poison', record: failed(record, outcome.code, message, now), reason };
  }
  return {
    action: 'retry',
    record: {
      ...record,
      status: 'queued',
      updatedAt: now,
      error: { code: outcome.code, message },
      runner: null,
    },
  };
}

/**
 * The status to report: a job still 'running' past the run timeout after its last allowed
 * delivery was given up on by the queue (a crash on the last try leaves no one to record it).
 */
export function observedStatus(
  record: JobRecord,
  now: number,
): { readonly status: JobStatus; readonly error: JobError | null } {
  if (
    record.status === 'running' &&
    record.attempts >= BURST_LIMITS.maxDeliveries &&
    now - record.updatedAt > BURST_LIMITS.runTimeoutMs
  )
    return {
      status: 'failed',
      error: {
        code: 'abandoned',
        message: `no run finished in ${record.attempts} deliveries; the last stopped without a word`,
      },
    };
  return { status: record.status, error: record.error };
}

function succeeded(record: JobRecord, now: number): JobRecord {
  return { ...record, status: 'succeeded', updatedAt: now, error: null, runner: null };
}

function failed(record: JobRecord, code: string, message: string, now: number): JobRecord {
  return { ...record, status: 'failed', updatedAt: now, error: { code, message }, runner: null };
}
