// A job as the edge sees it: core's JobView, with the stored result once the job succeeded.
import { jobView, type JobRecord, type JobView } from '@proxima/core/jobs';
import type { JobBlobs } from '../storage/job-blobs.ts';

export async function viewOf(
  deps: { readonly blobs: JobBlobs; readonly now: () => number },
  record: JobRecord,
): Promise<JobView> {
  const stored = record.status === 'succeeded' ? await deps.blobs.getResult(record.id) : null;
  return jobView(record, stored?.result ?? null, deps.now());
}
