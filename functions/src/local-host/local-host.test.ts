// The local Functions host end to end: real HTTP in, the real queue poller over a real Azurite,
// the same handlers as index.ts registers. The runner is a counting runner (the seam under test).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BURST_LIMITS, type JobView } from '@proxima/core/jobs';
import { describe, expect, it } from 'vitest';
import {
  decodeQueueMessage,
  encodeQueueMessage,
  type PoisonMessage,
} from '../storage/job-queue.ts';
import type { JobRunner } from '../runners/runner.ts';
import { startAzurite } from './azurite.ts';
import { startLocalFunctionsHost } from './host.ts';
import {
  CountingRunner,
  TEST_SECRET,
  bodyOf,
  chatJob,
  eventually,
  signedGet,
  signedPost,
  useTestStorage,
} from './testing.ts';

const azurite = useTestStorage();

const FAST = { retryDelaySec: 0, pollIntervalMs: [50, 200] as const };

async function finished(jobsUrl: string, id: string): Promise<JobView> {
  return eventually(async () => {
    const view = (await (await signedGet(jobsUrl, id)).json()) as JobView;
    return view.status === 'succeeded' || view.status === 'failed' ? view : undefined;
  });
}

async function poisonMessages(): Promise<unknown[]> {
  const { peekedMessageItems } = await azurite.storage.clients.poisonQueue.peekMessages({
    numberOfMessages: 32,
  });
  return peekedMessageItems.map((m) => decodeQueueMessage(m.messageText));
}

describe('the local Functions host', () => {
  it('takes a job from POST to a succeeded GET with its result, through the queue', async () => {
    const runner = new CountingRunner();
    const host = await startLocalFunctionsHost({ env: azurite.env, runner, queue: FAST });
    try {
      const job = chatJob();
      expect((await signedPost(host.jobsUrl, bodyOf(job))).status).toBe(202);
      const view = await finished(host.jobsUrl, job.id);
      expect(view).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        result: { echo: job.id, run: 1 },
      });
      expect(runner.completed).toBe(1);
      // Deleted on success: nothing is left for a second delivery.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(runner.started).toBe(1);
    } finally {
      await host.close();
    }
  });

  it('hands a message back on a throw and delivers it again with dequeueCount + 1', async () => {
    const runner = new CountingRunner(['throw-after-run']);
    const host = await startLocalFunctionsHost({ env: azurite.env, runner, queue: FAST });
    try {
      const job = chatJob();
      await signedPost(host.jobsUrl, bodyOf(job));
      const view = await finished(host.jobsUrl, job.id);
      expect(view).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(runner.started).toBe(2);
    } finally {
      await host.close();
    }
  });

  it('keeps renewing the lease of a long run, so a second instance never picks the message up', async () => {
    const counting = new CountingRunner();
    const slow: JobRunner = {
      run: async (job) => {
        await new Promise((resolve) => setTimeout(resolve, 2500));
        return counting.run(job);
      },
      close: () => Promise.resolve(),
    };
    // Two hosts on one queue, as two instances of the app would be.
    const options = { env: azurite.env, runner: slow, queue: { ...FAST, leaseSec: 1 } };
    const hosts = [await startLocalFunctionsHost(options), await startLocalFunctionsHost(options)];
    try {
      const job = chatJob();
      await signedPost(hosts[0]!.jobsUrl, bodyOf(job));
      expect(await finished(hosts[0]!.jobsUrl, job.id)).toMatchObject({
        status: 'succeeded',
        attempts: 1,
      });
      expect(counting.started).toBe(1);
    } finally {
      await Promise.all(hosts.map((h) => h.close()));
    }
  });

  it(`moves a message that threw on all ${BURST_LIMITS.maxDeliveries} deliveries to the poison queue, as the host does`, async () => {
    const runner = new CountingRunner(Array(BURST_LIMITS.maxDeliveries).fill('throw-after-run'));
    const host = await startLocalFunctionsHost({ env: azurite.env, runner, queue: FAST });
    try {
      const job = chatJob();
      await signedPost(host.jobsUrl, bodyOf(job));
      await eventually(async () =>
        (await poisonMessages()).some((m) => (m as { id?: string }).id === job.id)
          ? true
          : undefined,
      );
      expect(runner.started).toBe(BURST_LIMITS.maxDeliveries);
      // The host's poison copy is the message as it was: no reason, and the record still says
      // running (observedStatus reports it failed once the run timeout has passed).
      expect(await poisonMessages()).toContainEqual({ id: job.id });
      expect((await azurite.storage.records.get(job.id))?.record).toMatchObject({
        status: 'running',
        attempts: BURST_LIMITS.maxDeliveries,
      });
    } finally {
      await host.close();
    }
  });

  it('poisons a message that is not a job message, with the reason, and deletes it', async () => {
    const host = await startLocalFunctionsHost({
      env: azurite.env,
      runner: new CountingRunner(),
      queue: FAST,
    });
    try {
      await azurite.storage.clients.queue.sendMessage(encodeQueueMessage({ job: 'what?' }));
      const poison = await eventually(async () =>
        (await poisonMessages()).find((m): m is PoisonMessage =>
          /malformed message/.test((m as PoisonMessage).reason ?? ''),
        ),
      );
      expect(poison).toEqual({ id: null, reason: expect.stringMatching(/id must be/) as unknown });
      await eventually(async () => {
        const { approximateMessagesCount } = await azurite.storage.clients.queue.getProperties();
        return approximateMessagesCount === 0 ? true : undefined;
      });
    } finally {
      await host.close();
    }
  });
});

describe('Azurite', () => {
  it('starts on free ports and is gone after close()', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proxima-azurite-'));
    try {
      const azurite = await startAzurite({ dir });
      expect(azurite.connectionString).toContain(
        `QueueEndpoint=http://127.0.0.1:${azurite.ports.queue}/`,
      );
      await azurite.close();
      const refused = await new Promise<boolean>((resolve) => {
        const socket = createConnection(azurite.ports.blob, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(false);
        });
        socket.once('error', () => resolve(true));
      });
      expect(refused).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('main.ts', () => {
  it('starts Azurite and the host, prints functions.listening, and stops on SIGINT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proxima-functions-main-'));
    const main = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');
    const child = spawn(
      process.execPath,
      [main, '--port', '0', '--azurite-dir', join(dir, 'azurite')],
      {
        env: { PATH: process.env.PATH ?? '', PROXIMA_BURST_SECRET: TEST_SECRET, OCR_EP: 'cpu' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString();
          const end = stdout.indexOf('\n');
          if (end >= 0) resolve(stdout.slice(0, end));
        });
        child.once('exit', (code) => reject(new Error(`main.ts exited ${code}: ${stderr}`)));
      });
      const event = JSON.parse(line) as { event: string; url: string; jobsUrl: string };
      expect(event.event).toBe('functions.listening');
      const job = chatJob();
      expect((await signedPost(event.jobsUrl, bodyOf(job))).status).toBe(202);
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
