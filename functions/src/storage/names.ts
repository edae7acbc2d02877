// Where a burst job lives in the Storage account. The names are shared with infra-bicep and the
// queue trigger's registration, so each is written once, here.
export const JOBS_QUEUE = 'proxima-jobs';
/** The Functions host's own name for a queue's poison queue: `<queue>-poison`. */
export const POISON_QUEUE = `${JOBS_QUEUE}-poison`;
export const JOBS_CONTAINER = 'proxima-jobs';
export const JOBS_TABLE = 'proximajobs';
/** A job's Table row: PartitionKey is the job id, and a job has one row. */
export const RECORD_ROW_KEY = 'job';

/** The accepted job body, byte for byte as signed. */
export function inputBlobName(id: string): string {
  return `${id}/input.json`;
}

/** The RunResult's `result`, as JSON. */
export function resultBlobName(id: string): string {
  return `${id}/result.json`;
}
