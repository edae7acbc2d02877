/**
 * The benches' own load client, in its own process so that it never queues behind a bench's
 * event loop: the fallback when wrk is not installed, and the only client for what wrk cannot do.
 * It speaks HTTP/1.1 with keep-alive through node:http (much cheaper per request than fetch),
 * and runs one phase:
 * - `sustained`: `concurrency` workers send the request back to back for `durationMs`;
 * - `first-byte`: the same, also timing the first byte of each answer's body (a streamed
 *   request: the first SSE bytes), which wrk cannot see;
 * - `burst`: `burstSize` requests at once, `bursts` times, `gapMs` apart.
 * Every answer is timed as measured (no correction for coordinated omission).
 * Loopback only. Args: one JSON ClientJob. Prints "result <PhaseWire JSON>".
 */
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { add } from './histogram.ts';
import { emptyPhase, toWire, type PhaseResult } from './phase-result.ts';
import type { RequestSpec } from './request.ts';

export interface ClientJob {
  readonly mode: 'sustained' | 'first-byte' | 'burst';
  readonly request: RequestSpec;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly burstSize?: number;
  readonly bursts?: number;
  readonly gapMs?: number;
  readonly timeoutMs: number;
}

interface Answer {
  readonly ok: boolean;
  readonly firstByteUs: number;
  readonly totalUs: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as ClientJob;
const url = new URL(job.request.url);
if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
  process.stderr.write(`client.ts loads loopback only, not ${job.request.url}\n`);
  process.exit(2);
}
const body = job.request.body === undefined ? undefined : Buffer.from(job.request.body);
const headers = {
  ...job.request.headers,
  ...(body === undefined ? {} : { 'content-length': String(body.length) }),
};
const agent = new Agent({
  keepAlive: true,
  maxSockets: Math.max(job.concurrency, job.burstSize ?? 0),
});

/** One request; never rejects (a failure is an answer that is not ok). */
function send(): Promise<Answer> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let first = -1;
    const fail = () =>
      resolve({ ok: false, firstByteUs: 0, totalUs: (performance.now() - t0) * 1000 });
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: job.request.method,
        headers,
        agent,
        timeout: job.timeoutMs,
      },
      (res) => {
        res.on('data', () => {
          if (first < 0) first = performance.now();
        });
        res.on('end', () => {
          const end = performance.now();
          const status = res.statusCode ?? 0;
          resolve({
            ok: status >= 200 && status < 300,
            firstByteUs: ((first < 0 ? end : first) - t0) * 1000,
            totalUs: (end - t0) * 1000,
          });
        });
        res.on('error', fail);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end(body);
  });
}

function record(into: PhaseResult, a: Answer): void {
  if (!a.ok) {
    into.errors++;
    return;
  }
  into.requests++;
  // This client corrects nothing: its latency and its measured latency are the same samples.
  add(into.latency, a.totalUs);
  add(into.measured, a.totalUs);
  if (job.mode === 'first-byte') add(into.firstByte, a.firstByteUs);
}

async function sustained(): Promise<PhaseResult> {
  const out = emptyPhase();
  const started = performance.now();
  const deadline = started + job.durationMs;
  const worker = async () => {
    while (performance.now() < deadline) record(out, await send());
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  out.seconds = (performance.now() - started) / 1000;
  return out;
}

async function bursts(): Promise<PhaseResult> {
  const out = emptyPhase();
  const size = job.burstSize ?? 64;
  let busy = 0;
  for (let b = 0; b < (job.bursts ?? 10); b++) {
    const t0 = performance.now();
    const answers = await Promise.all(Array.from({ length: size }, send));
    const makespan = performance.now() - t0;
    busy += makespan;
    out.makespansMs.push(makespan);
    for (const a of answers) record(out, a);
    await sleep(job.gapMs ?? 200);
  }
  // Requests per second while a burst was in flight (the gaps are idle by design).
  out.seconds = busy / 1000;
  return out;
}

const result = job.mode === 'burst' ? await bursts() : await sustained();
agent.destroy();
process.stdout.write(`result ${JSON.stringify(toWire(result))}\n`);
