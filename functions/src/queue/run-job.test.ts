// The queue handler against a real Azurite, delivery by delivery (the host's part, redelivering
// with dequeueCount + 1, is played by the test; local-host.test.ts runs the real poller). The
// runner is a counting runner defined for these tests: it is the seam under test.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import azureFunctions from '@azure/functions';
import {
  BURST_LIMITS,
  JOBS_PATH,
  SIGNATURE_HEADER,
  signRequest,
  verifyRequest,
  type BurstJobInput,
  type JobRecord,
  type JobView,
  type RunResult,
} from '@proxima/core/jobs';
import { describe, expect, it } from 'vitest';
import { createPostJob } from '../http/post-job.ts';
import {
  CountingRunner,
  bodyOf,
  chatJob,
  newJobId,
  testMac,
  type Step,
  useTestStorage,
} from '../local-host/testing.ts';
import { decodeQueueMessage, type PoisonMessage } from '../storage/job-queue.ts';
import type { JobRunner } from '../runners/runner.ts';
import { createRunJob, RetryLaterError, type RunJobDeps } from './run-job.ts';

const { HttpRequest, InvocationContext } = azureFunctions;

const azurite = useTestStorage();

/** Admits a job through the real POST handler, as the edge would. */
async function submit(job: BurstJobInput): Promise<void> {
  const body = bodyOf(job);
  const signature = await signRequest(testMac, Date.now(), {
    method: 'POST',
    path: JOBS_PATH,
    body,
  });
  const response = await createPostJob({ ...azurite.storage, mac: testMac, now: Date.now })(
    new HttpRequest({
      method: 'POST',
      url: `http://localhost${JOBS_PATH}`,
      headers: { [SIGNATURE_HEADER]: signature },
      body: { bytes: body },
    }),
    new InvocationContext(),
  );
  expect(response.status).toBe(202);
}

function delivery(dequeueCount: number, messageId = 'm1'): InstanceType<typeof InvocationContext> {
  return new InvocationContext({
    functionName: 'runJob',
    triggerMetadata: { dequeueCount, id: messageId },
    logHandler: () => undefined,
  });
}

function depsWith(runner: JobRunner, overrides: Partial<RunJobDeps> = {}): RunJobDeps {
  return { ...azurite.storage, runner, mac: testMac, now: Date.now, ...overrides };
}

async function poisoned(id: string): Promise<PoisonMessage[]> {
  const { peekedMessageItems } = await azurite.storage.clients.poisonQueue.peekMessages({
    numberOfMessages: 32,
  });
  return peekedMessageItems
    .map((m) => decodeQueueMessage(m.messageText) as PoisonMessage)
    .filter((m) => m.id === id);
}

/** Waits until the job's record says running. */
async function eventuallyRunning(id: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await azurite.storage.records.get(id))?.record.status === 'running') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`job ${id} never ran`);
}

class Crash extends Error {}

/**
 * The storage a delivery sees, stopping dead after its `crashAfter`-th write (a crash between that
 * step and the next); also counts results actually written.
 */
function crashingStorage(crashAfter: number) {
  const { storage } = azurite;
  let writes = 0;
  const counts = { resultsWritten: 0 };
  const step = async <T>(write: Promise<T>): Promise<T> => {
    const value = await write;
    if (++writes === crashAfter) throw new Crash(`crash after write ${writes}`);
    return value;
  };
  return {
    counts,
    records: {
      ...storage.records,
      insert: (r: JobRecord) => step(storage.records.insert(r)),
      replace: (r: JobRecord, etag: string) => step(storage.records.replace(r, etag)),
    },
    blobs: {
      ...storage.blobs,
      putResult: async (id: string, result: unknown) => {
        const written = await storage.blobs.putResult(id, result);
        if (written) counts.resultsWritten++;
        return step(Promise.resolve(written));
      },
    },
    queue: {
      enqueue: (id: string) => step(storage.queue.enqueue(id)),
      poison: (id: string | null, reason: string) => step(storage.queue.poison(id, reason)),
    },
  };
}

describe('runJob, one delivery at a time', () => {
  it('runs a queued job: result blob, record succeeded, the view shows the result', async () => {
    const job = chatJob();
    await submit(job);
    const runner = new CountingRunner();
    await createRunJob(depsWith(runner))({ id: job.id }, delivery(1));
    expect(runner.completed).toBe(1);
    expect(runner.jobs[0]).toMatchObject({ id: job.id, kind: 'chat', input: job.input });
    expect(await azurite.storage.blobs.getResult(job.id)).toEqual({
      result: { echo: job.id, run: 1 },
    });
    expect((await azurite.storage.records.get(job.id))?.record).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      error: null,
    });
    // A duplicate delivery of a finished job does nothing.
    await createRunJob(depsWith(runner))({ id: job.id }, delivery(2));
    expect(runner.started).toBe(1);
  });

  it('runs a job once when two messages carry it: the second is acknowledged while the first runs', async () => {
    const job = chatJob();
    await submit(job);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    const slow: JobRunner = {
      run: async () => {
        started++;
        await gate;
        return { ok: true, result: { slow: true } };
      },
      close: () => Promise.resolve(),
    };
    const handler = createRunJob(depsWith(slow));
    const first = handler({ id: job.id }, delivery(1, 'm1'));
    await eventuallyRunning(job.id);
    await handler({ id: job.id }, delivery(1, 'm2'));
    release();
    await first;
    expect(started).toBe(1);
    expect((await azurite.storage.records.get(job.id))?.record).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      runner: null,
    });
  });

  it('takes the message as the host hands it: an object, or JSON text', async () => {
    const job = chatJob();
    await submit(job);
    const runner = new CountingRunner();
    await createRunJob(depsWith(runner))(JSON.stringify({ id: job.id }), delivery(1));
    expect(runner.completed).toBe(1);
  });

  // A clean run writes three times: the running record, the result, the succeeded record.
  for (const crashAfter of [1, 2, 3])
    it(`survives a crash after write ${crashAfter} of a run: redelivered, finished, the result written once`, async () => {
      const job = chatJob();
      await submit(job);
      const runner = new CountingRunner();
      const crashing = crashingStorage(crashAfter);
      await expect(
        createRunJob(depsWith(runner, crashing))({ id: job.id }, delivery(1)),
      ).rejects.toBeInstanceOf(Crash);
      // The message comes back (visibility timeout), and this time nothing crashes.
      const counted = crashingStorage(Infinity);
      await createRunJob(depsWith(runner, counted))({ id: job.id }, delivery(2));
      expect((await azurite.storage.records.get(job.id))?.record.status).toBe('succeeded');
      expect(crashing.counts.resultsWritten + counted.counts.resultsWritten).toBe(1);
      // Run to completion once: a crash before the result existed leaves nothing to redo twice.
      expect(runner.completed).toBe(1);
      expect(await azurite.storage.blobs.getResult(job.id)).toEqual({
        result: { echo: job.id, run: 1 },
      });
    });

  it('runs again after a runner that crashed after running, writing the result once', async () => {
    const job = chatJob();
    await submit(job);
    const runner = new CountingRunner(['throw-after-run']);
    const counted = crashingStorage(Infinity);
    await expect(
      createRunJob(depsWith(runner, counted))({ id: job.id }, delivery(1)),
    ).rejects.toThrow(/runner crashed/);
    expect((await azurite.storage.records.get(job.id))?.record).toMatchObject({
      status: 'running',
      attempts: 1,
    });
    await createRunJob(depsWith(runner, counted))({ id: job.id }, delivery(2));
    expect(runner.completed).toBe(2);
    expect(counted.counts.resultsWritten).toBe(1);
    expect((await azurite.storage.records.get(job.id))?.record).toMatchObject({
      status: 'succeeded',
      attempts: 2,
    });
  });

  it(`retries a retryable failure, then poisons it after ${BURST_LIMITS.maxDeliveries} deliveries with the reason`, async () => {
    const job = chatJob();
    await submit(job);
    const failure: RunResult = {
      ok: false,
      code: 'upstream_error',
      message: 'Foundry 503',
      retryable: true,
    };
    const runner = new CountingRunner(Array<Step>(BURST_LIMITS.maxDeliveries).fill(failure));
    const handler = createRunJob(depsWith(runner));
    for (let n = 1; n < BURST_LIMITS.maxDeliveries; n++) {
      await expect(handler({ id: job.id }, delivery(n))).rejects.toBeInstanceOf(RetryLaterError);
      expect((await azurite.storage.records.get(job.id))?.record).toMatchObject({
        status: 'queued',
        attempts: n,
        error: { code: 'upstream_error', message: 'Foundry 503' },
      });
    }
    await handler({ id: job.id }, delivery(BURST_LIMITS.maxDeliveries));
    expect((await azurite.storage.records.get(job.id))?.record).toMatchObject({
      status: 'failed',
      attempts: BURST_LIMITS.maxDeliveries,
      error: { code: 'upstream_error' },
    });
    const [poison] = await poisoned(job.id);
    expect(poison?.reason).toMatch(
      new RegExp(`failed ${BURST_LIMITS.maxDeliveries} times; last: upstream_error: Foundry 503`),
    );
    expect(runner.started).toBe(BURST_LIMITS.maxDeliveries);
  });

  it('poisons again rather than not at all when it crashes between the poison message and the record', async () => {
    const job = chatJob();
    await submit(job);
    const failure: RunResult = { ok: false, code: 'upstream_error', message: 'x', retryable: true };
    const runner = new CountingRunner(Array<Step>(BURST_LIMITS.maxDeliveries).fill(failure));
    const handler = createRunJob(depsWith(runner));
    for (let n = 1; n < BURST_LIMITS.maxDeliveries; n++)
      await expect(handler({ id: job.id }, delivery(n))).rejects.toBeInstanceOf(RetryLaterError);
    // The last delivery writes: the running record (1), the poison message (2), then would record
    // the failure: it dies after the poison message.
    await expect(
      createRunJob(depsWith(runner, crashingStorage(2)))(
        { id: job.id },
        delivery(BURST_LIMITS.maxDeliveries),
      ),
    ).rejects.toBeInstanceOf(Crash);
    expect(await poisoned(job.id)).toHaveLength(1);
    // Both hosts now move the message to the poison queue themselves (a third copy, without a
    // reason), and a read reports the job abandoned after the run timeout; a delivery after it
    // (a host with a higher maxDequeueCount) records the failure.
    await handler({ id: job.id }, delivery(BURST_LIMITS.maxDeliveries + 1));
    expect((await azurite.storage.records.get(job.id))?.record.status).toBe('failed');
    expect(await poisoned(job.id)).toHaveLength(2);
    expect(runner.started).toBe(BURST_LIMITS.maxDeliveries);
  });

  it('records a failure that no retry would fix at once, and poisons nothing', async () => {
    const job = chatJob();
    await submit(job);
    const runner = new CountingRunner([
      { ok: false, code: 'model_not_found', message: 'no such deployment', retryable: false },
    ]);
    await createRunJob(depsWith(runner))({ id: job.id }, delivery(1));
    expect((await azurite.storage.records.get(job.id))?.record).toMatchObject({
      status: 'failed',
      error: { code: 'model_not_found', message: 'no such deployment' },
    });
    expect(await poisoned(job.id)).toEqual([]);
  });

  it('poisons a delivery past the last one without running (crashes used them all)', async () => {
    const job = chatJob();
    await submit(job);
    const runner = new CountingRunner();
    await createRunJob(depsWith(runner))({ id: job.id }, delivery(BURST_LIMITS.maxDeliveries + 1));
    expect(runner.started).toBe(0);
    expect((await azurite.storage.records.get(job.id))?.record).toMatchObject({
      status: 'failed',
      error: { code: 'poisoned' },
    });
    expect((await poisoned(job.id))[0]?.reason).toMatch(
      new RegExp(`delivered ${BURST_LIMITS.maxDeliveries} times without finishing`),
    );
  });

  it('poisons a malformed message, or one for an unknown job, with the reason', async () => {
    const runner = new CountingRunner();
    const handler = createRunJob(depsWith(runner));
    await handler('not json at all', delivery(1));
    await handler({ id: 'job_short' }, delivery(1));
    const unknown = newJobId();
    await handler({ id: unknown }, delivery(1));
    const { peekedMessageItems } = await azurite.storage.clients.poisonQueue.peekMessages({
      numberOfMessages: 32,
    });
    const reasons = peekedMessageItems.map(
      (m) => decodeQueueMessage(m.messageText) as PoisonMessage,
    );
    expect(reasons).toContainEqual({
      id: null,
      reason: expect.stringMatching(
        /malformed message: not \{"id": \.\.\.\} but "not json at all"/,
      ) as unknown,
    });
    expect(reasons).toContainEqual({
      id: null,
      reason: expect.stringMatching(/malformed message: id must be/) as unknown,
    });
    expect(reasons).toContainEqual({
      id: unknown,
      reason: 'no job has this id (its record is missing)',
    });
    expect(runner.started).toBe(0);
  });

  it('aborts a run that outlasts the run timeout and retries it', async () => {
    const job = chatJob();
    await submit(job);
    let aborted = false;
    const stuck: JobRunner = {
      run: (_job, signal) =>
        new Promise<RunResult>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve({ ok: true, result: 'too late' });
          });
        }),
      close: () => Promise.resolve(),
    };
    await expect(
      createRunJob(depsWith(stuck, { runTimeoutMs: 200 }))({ id: job.id }, delivery(1)),
    ).rejects.toBeInstanceOf(RetryLaterError);
    expect(aborted).toBe(true);
    expect((await azurite.storage.records.get(job.id))?.record).toMatchObject({
      status: 'queued',
      error: { code: 'upstream_timeout' },
    });
    expect(await azurite.storage.blobs.resultExists(job.id)).toBe(false);
  });
});

describe('the callback', () => {
  it('POSTs the finished job view, signed, to the callback URL, and it verifies', async () => {
    const received: { path: string; signature: string | undefined; body: Buffer }[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          signature: req.headers[SIGNATURE_HEADER] as string | undefined,
          body: Buffer.concat(chunks),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const job = chatJob({ callback: { url: `http://127.0.0.1:${port}/burst/done?tenant=acme` } });
      await submit(job);
      await createRunJob(depsWith(new CountingRunner()))({ id: job.id }, delivery(1));
      expect(received).toHaveLength(1);
      const [call] = received;
      const check = await verifyRequest(testMac, call!.signature, Date.now(), {
        method: 'POST',
        path: '/burst/done',
        body: new Uint8Array(call!.body),
      });
      expect(check.ok).toBe(true);
      const view = JSON.parse(call!.body.toString('utf8')) as JobView;
      expect(view).toMatchObject({
        id: job.id,
        status: 'succeeded',
        result: { echo: job.id, run: 1 },
      });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('never fails the job when the callback cannot be delivered', async () => {
    const job = chatJob({ callback: { url: 'http://127.0.0.1:9/nobody-listens' } });
    await submit(job);
    await createRunJob(depsWith(new CountingRunner(), { callbackTimeoutMs: 2000 }))(
      { id: job.id },
      delivery(1),
    );
    expect((await azurite.storage.records.get(job.id))?.record.status).toBe('succeeded');
  });
});
