// The edge's side of the Function App's HTTP contract (core/jobs/wire.ts): signed POSTs of jobs,
// signed GETs of their state until they finish. A job id is made here, so a POST that failed
// without an answer is sent again as is: the Function App answers a known id with the same body
// as the first time, and enqueues nothing twice.
import {
  JOB_STATUSES,
  JOBS_PATH,
  SIGNATURE_HEADER,
  signRequest,
  type BurstJob,
  type JobView,
  type Mac,
} from '@proxima/core/jobs';
import { ProximaError } from '@proxima/core/protocol';
import * as z from 'zod';
import { newSecret } from '../auth/hash.ts';
import { hmacMac } from '../auth/hmac.ts';
import type { BurstConfig } from './config.ts';
import { functionError } from './errors.ts';

/** One POST may take this long (headers and body); the Function App only stores and enqueues. */
const SUBMIT_TIMEOUT_MS = 30_000;
/** One status GET may take this long; a slow one is simply asked again. */
const POLL_TIMEOUT_MS = 10_000;
const FIRST_POLL_MS = 200;
const LONGEST_POLL_MS = 2000;

/** `job_` and 32 random base64url characters (192 bits), the API keys' encoding. */
export function newJobId(): string {
  return newSecret('job');
}

/** One Mac per secret per isolate: the key is imported once. */
let macCache: { readonly secret: string; readonly mac: Mac } | null = null;

function macOf(config: BurstConfig): Mac {
  if (macCache?.secret !== config.secret)
    macCache = { secret: config.secret, mac: hmacMac(config.secret) };
  return macCache.mac;
}

/** The signed request for `path` under the Function App's URL, signed at `now`. */
export async function signedRequest(
  config: BurstConfig,
  method: 'GET' | 'POST',
  path: string,
  body: Uint8Array,
  now: number,
): Promise<Request> {
  const url = `${config.url}${path}`;
  // The Function App verifies against the path it receives: the base URL's own path included.
  const signature = await signRequest(macOf(config), now, {
    method,
    path: new URL(url).pathname,
    body,
  });
  const headers: Record<string, string> = { [SIGNATURE_HEADER]: signature };
  if (method === 'POST') headers['content-type'] = 'application/json';
  return new Request(url, { method, headers, ...(method === 'POST' ? { body } : {}) });
}

const jobViewSchema = z.looseObject({
  id: z.string(),
  status: z.enum(JOB_STATUSES),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  result: z.unknown(),
});

/** A JobView as the edge reads it: only the fields it acts on are checked. */
export type SeenJob = Pick<JobView, 'id' | 'status' | 'error' | 'result'>;

type Answer =
  | { readonly ok: true; readonly status: number; readonly body: unknown }
  | { readonly ok: false; readonly why: string };

/** Sends one signed request; a network failure or timeout is `ok: false`, never a throw. */
async function send(
  config: BurstConfig,
  method: 'GET' | 'POST',
  path: string,
  body: Uint8Array,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Answer> {
  const request = await signedRequest(config, method, path, body, Date.now());
  try {
    const res = await fetch(request, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : (JSON.parse(text) as unknown);
    } catch {
      parsed = text.slice(0, 200);
    }
    return { ok: true, status: res.status, body: parsed };
  } catch (err) {
    if (signal.aborted) throw clientLeft();
    return { ok: false, why: String(err).slice(0, 200) };
  }
}

function viewOf(body: unknown, id: string): SeenJob {
  const view = jobViewSchema.safeParse(body);
  if (!view.success || view.data.id !== id) {
    log('burst.bad_answer', { id, detail: JSON.stringify(body)?.slice(0, 200) ?? null });
    throw new ProximaError(
      'upstream_error',
      `The burst service gave an unreadable answer for ${id}.`,
    );
  }
  return view.data;
}

/**
 * POSTs `job` (already checked with parseJob): its view, queued or already finished. The Function
 * App's 4xx is the same ProximaError (its param in the job's terms); a 5xx or no answer is sent
 * again once, then is `upstream_error`.
 */
export async function submitJob(
  config: BurstConfig,
  job: BurstJob,
  signal: AbortSignal,
): Promise<SeenJob> {
  const body = new TextEncoder().encode(JSON.stringify(job));
  let why = '';
  for (let attempt = 1; attempt <= 2; attempt++) {
    const answer = await send(config, 'POST', JOBS_PATH, body, SUBMIT_TIMEOUT_MS, signal);
    if (answer.ok && answer.status >= 200 && answer.status < 300)
      return viewOf(answer.body, job.id);
    if (answer.ok && answer.status < 500) throw functionError(answer.status, answer.body, job.id);
    why = answer.ok ? `status ${answer.status}` : answer.why;
    log('burst.submit_failed', { id: job.id, attempt, why });
  }
  throw new ProximaError(
    'upstream_error',
    `The burst service did not accept job ${job.id} (${why.slice(0, 100)}).`,
  );
}

/**
 * Asks for the job's state until it finished (succeeded or failed), with backoff from 200 ms to
 * 2 s, for at most BURST_WAIT_MS: then a 504 naming the job, which may still run.
 */
export async function waitForJob(
  config: BurstConfig,
  id: string,
  signal: AbortSignal,
): Promise<SeenJob> {
  const deadline = Date.now() + config.waitMs;
  let pauseMs = FIRST_POLL_MS;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    await pause(Math.min(pauseMs, left), signal);
    pauseMs = Math.min(LONGEST_POLL_MS, pauseMs * 2);
    const timeout = Math.max(1, Math.min(POLL_TIMEOUT_MS, deadline - Date.now()));
    const answer = await send(
      config,
      'GET',
      `${JOBS_PATH}/${id}`,
      new Uint8Array(0),
      timeout,
      signal,
    );
    if (!answer.ok || answer.status >= 500) {
      // A lost GET says nothing about the job: ask again.
      log('burst.poll_failed', { id, why: answer.ok ? `status ${answer.status}` : answer.why });
      continue;
    }
    if (answer.status !== 200) throw functionError(answer.status, answer.body, id);
    const view = viewOf(answer.body, id);
    if (view.status === 'succeeded' || view.status === 'failed') return view;
  }
  throw new ProximaError(
    'upstream_timeout',
    `Burst job ${id} did not finish within ${config.waitMs} ms; it may still run. The operator can look it up by this id.`,
  );
}

/** Submits the job and waits until it finished. */
export async function runJob(
  config: BurstConfig,
  job: BurstJob,
  signal: AbortSignal,
): Promise<SeenJob> {
  const view = await submitJob(config, job, signal);
  if (view.status === 'succeeded' || view.status === 'failed') return view;
  return waitForJob(config, job.id, signal);
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(clientLeft());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(clientLeft());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function clientLeft(): ProximaError {
  return new ProximaError('client_closed', 'The client went away while its burst job ran.');
}

function log(event: string, fields: Record<string, unknown>): void {
  console.warn(JSON.stringify({ event, ...fields }));
}
