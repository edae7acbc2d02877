// What the HTTP handlers need: storage, the shared secret's MAC, a clock.
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Mac } from '@proxima/core/jobs';
import type { JobBlobs } from '../storage/job-blobs.ts';
import type { JobQueue } from '../storage/job-queue.ts';
import type { JobRecords } from '../storage/job-records.ts';

export interface HttpDeps {
  readonly records: JobRecords;
  readonly blobs: JobBlobs;
  readonly queue: JobQueue;
  readonly mac: Mac;
  /** ms since the epoch */
  readonly now: () => number;
}

export type HttpHandler = (
  request: HttpRequest,
  context: InvocationContext,
) => Promise<HttpResponseInit>;
