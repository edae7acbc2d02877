// The Function App: two HTTP triggers (submit a burst job, read it) and the queue trigger that runs
// it. The handlers are thin; every decision is core/jobs'. The functions are `anonymous` to the
// Functions host on purpose: the HMAC signature over time, method, path and body is the auth, so
// the edge needs no function key (and a leaked function key would not be enough to submit work).
//
// @azure/functions is a CommonJS bundle whose names Node's ESM loader cannot see: default import.
import azureFunctions from '@azure/functions';
import type { HttpRequest, InvocationContext } from '@azure/functions';
import { ProximaError } from '@proxima/core/protocol';
import { loadConfig } from './config.ts';
import type { HttpDeps } from './http/deps.ts';
import { createGetJob } from './http/get-job.ts';
import { createPostJob } from './http/post-job.ts';
import { errorResponse } from './http/responses.ts';
import { createRunJob, type RunJobDeps } from './queue/run-job.ts';
import { runnerOptionsFrom } from './queue/runner-options.ts';
import { createRunners } from './runners/create-runners.ts';
import { createMac } from './signing.ts';
import { openJobStorage } from './storage/job-storage.ts';
import { JOBS_QUEUE } from './storage/names.ts';

const { app } = azureFunctions;

type Deps = HttpDeps & RunJobDeps;

let opened: Promise<Deps> | null = null;

/**
 * Settings, storage and runners, opened on the first invocation and kept. A bad setting fails
 * invocations (with its name in the log) rather than module load, which would hide the functions.
 */
function deps(): Promise<Deps> {
  opened ??= open().catch((err: unknown) => {
    opened = null;
    throw err;
  });
  return opened;
}

async function open(): Promise<Deps> {
  const config = loadConfig();
  const storage = await openJobStorage(config.storage);
  const runner = await createRunners(runnerOptionsFrom(config));
  return { ...storage, runner, mac: createMac(config.burstSecret), now: Date.now };
}

async function httpDeps(context: InvocationContext): Promise<Deps | null> {
  try {
    return await deps();
  } catch (err) {
    context.error('the Function App could not start', err);
    return null;
  }
}

const unavailable = errorResponse(
  new ProximaError('service_unavailable', 'The Function App is not configured; see its log.'),
);

app.http('postJob', {
  route: 'jobs',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: async (request: HttpRequest, context: InvocationContext) => {
    const d = await httpDeps(context);
    return d === null ? unavailable : createPostJob(d)(request, context);
  },
});

app.http('getJob', {
  route: 'jobs/{id}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async (request: HttpRequest, context: InvocationContext) => {
    const d = await httpDeps(context);
    return d === null ? unavailable : createGetJob(d)(request, context);
  },
});

app.storageQueue('runJob', {
  queueName: JOBS_QUEUE,
  connection: 'AzureWebJobsStorage',
  // A throw (a bad setting included) hands the message back; the host redelivers it.
  handler: async (message: unknown, context: InvocationContext) =>
    createRunJob(await deps())(message, context),
});
