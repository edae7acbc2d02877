// Shared by the functions tests: a real Azurite in a temp dir, settings for it, signed requests,
// job bodies, and a counting runner (the seam under test, not a stand-in for an external system).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  JOBS_PATH,
  SIGNATURE_HEADER,
  signRequest,
  type BurstJob,
  type BurstJobInput,
  type Mac,
  type RunResult,
} from '@proxima/core/jobs';
import { afterAll, beforeAll } from 'vitest';
import { parseConfig, type Env } from '../config.ts';
import type { JobRunner } from '../runners/runner.ts';
import { createMac } from '../signing.ts';
import { openJobStorage, type JobStorage } from '../storage/job-storage.ts';
import { startAzurite, type Azurite } from './azurite.ts';

export const TEST_SECRET = 'a burst secret for these tests only, 0123456789';
export const testMac: Mac = createMac(TEST_SECRET);

export interface TestStorage {
  readonly azurite: Azurite;
  /** App settings for this Azurite. */
  readonly env: Env;
  readonly storage: JobStorage;
  close(): Promise<void>;
}

export async function startTestStorage(): Promise<TestStorage> {
  const dir = await mkdtemp(join(tmpdir(), 'proxima-azurite-'));
  const azurite = await startAzurite({ dir });
  const env = {
    AzureWebJobsStorage: azurite.connectionString,
    PROXIMA_BURST_SECRET: TEST_SECRET,
    OCR_EP: 'cpu',
  };
  return {
    azurite,
    env,
    storage: await openJobStorage(parseConfig(env).storage),
    async close() {
      await azurite.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One Azurite for the calling test file: started before its tests, stopped after them. */
export function useTestStorage(): Omit<TestStorage, 'close'> {
  let current: TestStorage | undefined;
  beforeAll(async () => {
    current = await startTestStorage();
  });
  afterAll(async () => {
    await current?.close();
  });
  const started = (): TestStorage => {
    if (current === undefined) throw new Error('Azurite is not started yet (use it inside tests)');
    return current;
  };
  return {
    get azurite() {
      return started().azurite;
    },
    get env() {
      return started().env;
    },
    get storage() {
      return started().storage;
    },
  };
}

export function newJobId(): string {
  return `job_${randomBytes(12).toString('base64url')}`;
}

export function chatJob(overrides: Partial<BurstJobInput> = {}): BurstJobInput {
  return {
    id: newJobId(),
    tenant: 'acme',
    kind: 'chat',
    input: { model: 'proxima-demo', request: { messages: [{ role: 'user', content: 'Hello' }] } },
    ...overrides,
  } as BurstJobInput;
}

export function bodyOf(job: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(job));
}

export async function signedPost(
  jobsUrl: string,
  body: Uint8Array,
  options: { mac?: Mac; at?: number; signature?: string | null } = {},
): Promise<Response> {
  const signature =
    options.signature === undefined
      ? await signRequest(options.mac ?? testMac, options.at ?? Date.now(), {
          method: 'POST',
          path: JOBS_PATH,
          body,
        })
      : options.signature;
  return fetch(jobsUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === null ? {} : { [SIGNATURE_HEADER]: signature }),
    },
    body,
  });
}

export async function signedGet(
  jobsUrl: string,
  id: string,
  options: { mac?: Mac; at?: number } = {},
): Promise<Response> {
  const url = `${jobsUrl}/${encodeURIComponent(id)}`;
  const signature = await signRequest(options.mac ?? testMac, options.at ?? Date.now(), {
    method: 'GET',
    path: new URL(url).pathname,
    body: new Uint8Array(0),
  });
  return fetch(url, { headers: { [SIGNATURE_HEADER]: signature } });
}

/** What one call of the counting runner does: give a RunResult, or run and then throw. */
export type Step = RunResult | 'throw-after-run';

/**
 * A JobRunner that counts: `started` calls, `completed` runs (a run that threw after doing its
 * work counts as completed: the work was done). Steps are taken in order; past them, it succeeds
 * with `{ echo: job.id, run: n }`.
 */
export class CountingRunner implements JobRunner {
  started = 0;
  completed = 0;
  readonly jobs: BurstJob[] = [];
  private readonly steps: Step[];

  constructor(steps: readonly Step[] = []) {
    this.steps = [...steps];
  }

  run(job: BurstJob): Promise<RunResult> {
    this.started++;
    this.jobs.push(job);
    const step = this.steps.shift();
    this.completed++;
    if (step === 'throw-after-run')
      return Promise.reject(new Error('runner crashed after running'));
    return Promise.resolve(step ?? { ok: true, result: { echo: job.id, run: this.completed } });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Polls until `check` gives a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
