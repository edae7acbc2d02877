// A stand-in for the Azure Functions host (Core Tools cannot be installed here): the same exported
// handlers, the same Azurite-backed storage, one HTTP server and one queue poller in this process.
// What it does not do: scale out, read function.json, or run the handlers in a worker process.
import type { AddressInfo } from 'node:net';
import { JOBS_PATH } from '@proxima/core/jobs';
import { silentLogger, type Logger } from '@proxima/local-node/log';
import { parseConfig, type Env } from '../config.ts';
import { createGetJob } from '../http/get-job.ts';
import { createPostJob } from '../http/post-job.ts';
import { createRunJob } from '../queue/run-job.ts';
import type { JobRunner } from '../runners/runner.ts';
import { createMac } from '../signing.ts';
import { openJobStorage } from '../storage/job-storage.ts';
import { createFunctionsHttpServer } from './http-server.ts';
import { startQueuePoller, type QueuePollerOptions } from './queue-poller.ts';

export interface LocalHostOptions {
  /** 0 or absent: a free port. */
  readonly port?: number;
  readonly host?: string;
  /** App settings, as the real host reads them (AzureWebJobsStorage, PROXIMA_BURST_SECRET, ...). */
  readonly env: Env;
  readonly runner: JobRunner;
  readonly log?: Logger;
  /** The queue trigger's host.json-like knobs; tests shorten the delays. */
  readonly queue?: Pick<
    QueuePollerOptions,
    'retryDelaySec' | 'leaseSec' | 'pollIntervalMs' | 'batchSize' | 'maxDequeueCount'
  >;
  /** false: serve HTTP only and leave the queue alone (tests that inspect the queue). */
  readonly pollQueue?: boolean;
  /** The run's timeout, BURST_LIMITS.runTimeoutMs unless a test says. */
  readonly runTimeoutMs?: number;
  readonly now?: () => number;
}

export interface LocalFunctionsHost {
  /** e.g. http://127.0.0.1:7071 */
  readonly url: string;
  /** `${url}/api/jobs`: what the edge posts to. */
  readonly jobsUrl: string;
  /** Stops the poller (after the handlers running now) and the HTTP server. */
  close(): Promise<void>;
}

export async function startLocalFunctionsHost(
  options: LocalHostOptions,
): Promise<LocalFunctionsHost> {
  const config = parseConfig(options.env);
  const log = options.log ?? silentLogger;
  const storage = await openJobStorage(config.storage);
  const deps = {
    ...storage,
    runner: options.runner,
    mac: createMac(config.burstSecret),
    now: options.now ?? Date.now,
    ...(options.runTimeoutMs === undefined ? {} : { runTimeoutMs: options.runTimeoutMs }),
  };
  const server = createFunctionsHttpServer(
    { postJob: createPostJob(deps), getJob: createGetJob(deps) },
    log,
  );
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const poller =
    options.pollQueue === false
      ? null
      : startQueuePoller({
          ...options.queue,
          queue: storage.clients.queue,
          poisonQueue: storage.clients.poisonQueue,
          handler: createRunJob(deps),
          log,
        });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    jobsUrl: `${url}${JOBS_PATH}`,
    async close() {
      await poller?.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
