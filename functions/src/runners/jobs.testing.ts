// Burst jobs for tests, built as an edge would send them and checked by core's parseJob, so a
// test runs only jobs the Function App would accept.
import { parseJob, type BurstJob, type BurstJobInput } from '@proxima/core/jobs';

let made = 0;

/** A fresh job id. */
export function jobId(): string {
  made += 1;
  return `job_runner_test_${String(made).padStart(6, '0')}`;
}

type InputOf<K extends BurstJobInput['kind']> = Extract<BurstJobInput, { kind: K }>['input'];

export function job<K extends BurstJobInput['kind']>(kind: K, input: InputOf<K>): BurstJob {
  return parseJob({ id: jobId(), tenant: 'tenant-test', kind, input });
}

/** A 1×1 PNG, as a data URL. */
export const TINY_PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** A never-aborted signal. */
export const never = new AbortController().signal;
