// What the queue handler needs from the job runners: run one parsed job to a RunResult. Runners
// never throw for a job's own failure (they return ok: false, saying whether a retry may help);
// a throw is a bug or a crash, and the queue delivers the message again.
import type { BurstJob, RunResult } from '@proxima/core/jobs';

export interface JobRunner {
  run(job: BurstJob, signal: AbortSignal): Promise<RunResult>;
  /** Releases models and clients; runs nothing after. */
  close(): Promise<void>;
}
