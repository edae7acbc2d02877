import { upstreamChatBody, upstreamCompletionBody, type ChatRequest } from '@proxima/core/protocol';
import type { UpstreamConfig } from '@proxima/core/routing';
import type { Env } from '../env.ts';
import type { JobEvent, JobEventSource } from '../node-session/job-events.ts';
import type { WholeOutcome } from '../routes/dispatch.ts';
import { readAtMost } from '../read-bounded.ts';
import { UPSTREAM_ANSWER_MAX_BYTES, upstreamKey, upstreamTimeoutMs } from './config.ts';
import { acquire } from './in-flight.ts';
import { UpstreamSseEvents } from './sse-events.ts';
import { wholeAnswerOf } from './wire-answer.ts';

/**
 * Why an upstream attempt failed. `fault`: it is unhealthy (connection error, 5xx, 429, a broken
 * answer): counts against its breaker. `refused`: it declined this request (another 4xx).
 * Either way routing tries the next backend; the upstream's text stays in the log.
 */
export type UpstreamFailure = { readonly ok: false; readonly reason: 'fault' | 'refused' };

export type UpstreamResult<T> = { readonly ok: true; readonly value: T } | UpstreamFailure;

/**
 * Where the request goes and what it says, in OpenAI's wire shape (core's to-wire.ts) under the
 * upstream's model name: a chat to `/chat/completions`, a raw prompt to the legacy `/completions`.
 */
function wireRequest(
  upstream: UpstreamConfig,
  req: ChatRequest,
  stream: boolean,
): { readonly path: string; readonly body: string } {
  const target = {
    model: upstream.models[req.model] ?? req.model,
    capabilities: upstream.capabilities,
  };
  const { prompt } = req;
  return prompt === undefined
    ? { path: '/chat/completions', body: JSON.stringify(upstreamChatBody(req, target, stream)) }
    : {
        path: '/completions',
        body: JSON.stringify(upstreamCompletionBody({ ...req, prompt }, target, stream)),
      };
}

function logFailure(upstream: UpstreamConfig, what: string, detail: string): void {
  console.warn(
    JSON.stringify({
      event: 'upstream.failed',
      upstream: upstream.name,
      what,
      detail: detail.slice(0, 512),
    }),
  );
}

/** POSTs the chat request; a response only when it is 2xx, otherwise the classified failure. */
async function post(
  env: Env,
  upstream: UpstreamConfig,
  req: ChatRequest,
  stream: boolean,
  signal: AbortSignal,
): Promise<
  { readonly ok: true; readonly res: Response; readonly settle: () => void } | UpstreamFailure
> {
  // The deadline covers the headers and, until `settle`, the first event or the whole answer:
  // a hung upstream is a fault (the next backend, or 503), never a request parked for ever.
  const deadline = new AbortController();
  const onClientAbort = () => deadline.abort(signal.reason);
  signal.addEventListener('abort', onClientAbort);
  const timer = setTimeout(
    () => deadline.abort(new Error(`no answer within ${upstreamTimeoutMs(env)} ms`)),
    upstreamTimeoutMs(env),
  );
  const settle = () => clearTimeout(timer);
  let res: Response;
  try {
    const key = upstreamKey(env, upstream);
    const { path, body } = wireRequest(upstream, req, stream);
    res = await fetch(`${upstream.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      },
      body,
      signal: deadline.signal,
    });
  } catch (err) {
    settle();
    logFailure(upstream, 'connect', String(deadline.signal.reason ?? err));
    return { ok: false, reason: 'fault' };
  }
  if (res.ok) return { ok: true, res, settle };
  settle();
  logFailure(upstream, `status ${res.status}`, await res.text().catch(() => ''));
  const fault = res.status >= 500 || res.status === 429 || res.status === 408;
  return { ok: false, reason: fault ? 'fault' : 'refused' };
}

/** Replays one event already read before the rest of the source. */
class Peeked implements JobEventSource {
  private first: JobEvent | null;
  private readonly rest: JobEventSource;
  private used = false;

  constructor(first: JobEvent, rest: JobEventSource) {
    this.first = first;
    this.rest = rest;
  }

  next(): Promise<JobEvent | null> {
    if (this.used) return this.rest.next();
    this.used = true;
    const first = this.first;
    this.first = null;
    return Promise.resolve(first);
  }

  cancel(): Promise<void> {
    return this.rest.cancel();
  }
}

/**
 * A streamed attempt. Success is decided at the first event: an upstream that answers 200 and
 * then fails before any output is still a failed attempt, so routing can go elsewhere.
 */
export async function streamFromUpstream(
  env: Env,
  upstream: UpstreamConfig,
  req: ChatRequest,
  signal: AbortSignal,
): Promise<UpstreamResult<JobEventSource>> {
  const release = acquire(upstream.name);
  const posted = await post(env, upstream, req, true, signal);
  if (!posted.ok || posted.res.body === null) {
    release();
    return posted.ok ? { ok: false, reason: 'fault' } : posted;
  }
  const events = new UpstreamSseEvents(
    posted.res.body as ReadableStream<Uint8Array>,
    req.logprobs !== null,
    release,
  );
  const first = await events.next().catch(() => null); // a deadline abort ends the read
  posted.settle();
  if (first === null || first.t === 'error') {
    await events.cancel();
    logFailure(upstream, 'stream', first === null ? 'ended before any output' : first.message);
    return { ok: false, reason: 'fault' };
  }
  return { ok: true, value: new Peeked(first, events) };
}

/** A non-streamed attempt: the whole answer, or a failure. */
export async function completeFromUpstream(
  env: Env,
  upstream: UpstreamConfig,
  req: ChatRequest,
  signal: AbortSignal,
): Promise<UpstreamResult<WholeOutcome>> {
  const release = acquire(upstream.name);
  let settle: () => void = () => undefined;
  try {
    const posted = await post(env, upstream, req, false, signal);
    if (!posted.ok) return posted;
    settle = posted.settle;
    // Bounded like everything the edge reads: a runaway upstream is a fault, not an OOM.
    const read = await readAtMost(
      (posted.res.body as ReadableStream<Uint8Array> | null) ?? new ReadableStream<Uint8Array>(),
      UPSTREAM_ANSWER_MAX_BYTES,
    );
    if (!read.ok) {
      logFailure(upstream, 'body', read.reason === 'too_large' ? 'answer too large' : 'cut short');
      return { ok: false, reason: 'fault' };
    }
    const whole = wholeAnswerOf(jsonOrNull(read.bytes), req.logprobs !== null);
    if (!whole.ok) {
      logFailure(upstream, 'body', whole.problem);
      return { ok: false, reason: 'fault' };
    }
    return { ok: true, value: { t: 'done', ...whole.value } };
  } catch (err) {
    logFailure(upstream, 'read', String(err));
    return { ok: false, reason: 'fault' };
  } finally {
    settle();
    release();
  }
}

function jsonOrNull(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}
