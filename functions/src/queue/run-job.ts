// The queue trigger: one delivery of a job's message. Core decides (planDelivery, settle); this
// carries the decision out in an order that survives a crash between any two steps: the running
// record before the run, the result blob before the success, the poison message before the failed
// record (so a crash between them poisons twice rather than not at all).
// A throw hands the message back to the queue, which delivers it again with dequeueCount + 1.
import type { InvocationContext } from '@azure/functions';
import {
  BURST_LIMITS,
  jobView,
  parseJob,
  planDelivery,
  settle,
  type BurstJob,
  type JobRecord,
  type Mac,
  type RunResult,
} from '@proxima/core/jobs';
import { ProximaError } from '@proxima/core/protocol';
import type { JobRunner } from '../runners/runner.ts';
import type { JobBlobs } from '../storage/job-blobs.ts';
import type { JobQueue } from '../storage/job-queue.ts';
import type { JobRecords } from '../storage/job-records.ts';
import { sendCallback } from './callback.ts';
import { dequeueCountOf, messageIdOf, parseJobMessage } from './message.ts';

export interface RunJobDeps {
  readonly records: JobRecords;
  readonly blobs: JobBlobs;
  readonly queue: JobQueue;
  readonly runner: JobRunner;
  readonly mac: Mac;
  /** ms since the epoch */
  readonly now: () => number;
  /** The run's AbortSignal fires after this long; BURST_LIMITS.runTimeoutMs unless a test says. */
  readonly runTimeoutMs?: number;
  readonly callbackTimeoutMs?: number;
}

export type QueueHandler = (message: unknown, context: InvocationContext) => Promise<void>;

/** Thrown for a retryable failure: the queue delivers the message again later. */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
}

export function createRunJob(deps: RunJobDeps): QueueHandler {
  return async (message, context) => {
    const parsed = parseJobMessage(message);
    if (!parsed.ok) {
      context.warn(`poisoning a job message: ${parsed.reason}`);
      await deps.queue.poison(parsed.id, parsed.reason);
      return;
    }
    const { id } = parsed;
    const dequeueCount = dequeueCountOf(context.triggerMetadata);
    const messageId = messageIdOf(context.triggerMetadata);
    const stored = await deps.records.get(id);
    const resultStored = await deps.blobs.resultExists(id);
    const plan = planDelivery(
      stored?.record ?? null,
      resultStored,
      messageId,
      dequeueCount,
      deps.now(),
    );

    switch (plan.action) {
      case 'ack':
        context.info(
          `job ${id} is finished or running under another message; delivery ${dequeueCount} acknowledged`,
        );
        return;
      case 'poison':
        // The poison message first: a crash before the record is written brings this delivery
        // back, which poisons again (at least once) and then writes the record.
        await deps.queue.poison(id, plan.reason);
        if (plan.record !== null && stored !== null)
          await deps.records.replace(plan.record, stored.etag);
        context.warn(`job ${id} poisoned: ${plan.reason}`);
        if (plan.record !== null) await finished(deps, plan.record, null, context);
        return;
      case 'complete': {
        await deps.records.replace(plan.record, etagOf(stored, id));
        context.info(`job ${id}: an earlier run's stored result recorded as its success`);
        const result = await deps.blobs.getResult(id);
        await finished(deps, plan.record, result?.result ?? null, context);
        return;
      }
      case 'run':
        await run(deps, plan.record, etagOf(stored, id), dequeueCount, context);
        return;
    }
  };
}

async function run(
  deps: RunJobDeps,
  running: JobRecord,
  etag: string,
  dequeueCount: number,
  context: InvocationContext,
): Promise<void> {
  const id = running.id;
  const runningEtag = await deps.records.replace(running, etag);
  const job = await readJob(deps.blobs, id);
  const result: RunResult =
    job instanceof ProximaError
      ? { ok: false, code: job.code, message: job.message, retryable: false }
      : await runBounded(deps.runner, job, deps.runTimeoutMs ?? BURST_LIMITS.runTimeoutMs);
  const written = result.ok && (await deps.blobs.putResult(id, result.result));
  if (result.ok && !written) context.warn(`job ${id}: a result was stored already; it stays`);

  const settlement = settle(running, result, dequeueCount, deps.now());
  // A poisoned job's message goes out before its record says failed (see the 'poison' plan).
  if (settlement.action === 'poison') await deps.queue.poison(id, settlement.reason);
  await deps.records.replace(settlement.record, runningEtag);
  switch (settlement.action) {
    case 'retry':
      throw new RetryLaterError(
        `job ${id} failed on delivery ${dequeueCount} (${settlement.record.error?.code ?? ''}): retrying`,
      );
    case 'poison':
      context.warn(`job ${id} poisoned: ${settlement.reason}`);
      break;
    case 'done':
      context.info(`job ${id} ${settlement.record.status} on delivery ${dequeueCount}`);
      break;
  }
  const shown = !result.ok
    ? null
    : written
      ? result.result
      : (await deps.blobs.getResult(id))?.result;
  await finished(deps, settlement.record, shown ?? null, context);
}

/** planDelivery plans 'run' and 'complete' only for a record that exists. */
function etagOf(stored: { readonly etag: string } | null, id: string): string {
  if (stored === null) throw new Error(`job ${id}: a plan to run needs its record`);
  return stored.etag;
}

/** The accepted job, or the error that says why it no longer parses (never retryable). */
async function readJob(blobs: JobBlobs, id: string): Promise<BurstJob | ProximaError> {
  const bytes = await blobs.getInput(id);
  try {
    return parseJob(JSON.parse(new TextDecoder().decode(bytes)) as unknown);
  } catch (err) {
    if (err instanceof ProximaError) return err;
    return new ProximaError('invalid_request', `job ${id}'s stored input is not JSON`);
  }
}

/** The runner's answer, or a retryable timeout once `timeoutMs` passes (the signal fires too). */
async function runBounded(runner: JobRunner, job: BurstJob, timeoutMs: number): Promise<RunResult> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<RunResult>((resolve) => {
    timer = setTimeout(() => {
      // Settled before the abort: whatever the runner answers to the signal comes too late.
      resolve({
        ok: false,
        code: 'upstream_timeout',
        message: `the run took over ${Math.round(timeoutMs / 1000)} s`,
        retryable: true,
      });
      controller.abort(new Error(`the run took over ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([runner.run(job, controller.signal), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

async function finished(
  deps: RunJobDeps,
  record: JobRecord,
  result: unknown,
  context: InvocationContext,
): Promise<void> {
  if (record.callbackUrl === null) return;
  await sendCallback(deps, record.callbackUrl, jobView(record, result, deps.now()), context);
}
