/**
 * A flood of bad API keys, in its own process so it does not queue behind the measured client's
 * event loop. Each request carries a fresh random, well-formed key (`pxk_` + 32 base64url chars),
 * so it passes the shape check and reaches the per-address failure counter: the edge either looks
 * it up and answers 401, or refuses the lookup and answers 429.
 * Mode `plain` sends `GET /healthz` instead, which does nothing: the reference, so the cost of
 * the flood's traffic itself on this machine is measured apart from the cost of refusing keys.
 * Args: edgeUrl durationMs maxRequests concurrency [bad-key|plain].
 * Prints "flooding", then "result <json>".
 */
import { randomBytes } from 'node:crypto';
import { INSTANT_MODEL } from '../gateway/instant-engine.ts';
import { percentile, round } from '../gateway/stats.ts';
import { countStatuses, latencies, runTimed } from './timed-load.ts';

export interface FloodResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly statuses: Record<string, number>;
  readonly networkErrors: number;
  /** Answers that were not a 401 invalid_api_key or a 429 rate_limit_exceeded with Retry-After. */
  readonly malformed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU this flood process used itself: on a small box it competes with the edge for cores. */
  readonly clientCpuSeconds: number;
}

const [url, durationArg, maxArg, concurrencyArg, modeArg = 'bad-key'] = process.argv.slice(2);
const plain = modeArg === 'plain';
if (!url || !durationArg || !maxArg || !concurrencyArg) {
  process.stderr.write('usage: flood.ts <edge-url> <duration-ms> <max-requests> <concurrency>\n');
  process.exit(2);
}
if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) {
  process.stderr.write(`flood.ts floods loopback only, not ${url}\n`);
  process.exit(2);
}

const body = JSON.stringify({
  model: INSTANT_MODEL,
  messages: [{ role: 'user', content: 'hi' }],
  max_tokens: 1,
});
let malformed = 0;
const cpuBefore = process.cpuUsage();
process.stdout.write('flooding\n');
const result = await runTimed({
  durationMs: Number(durationArg),
  maxRequests: Number(maxArg),
  concurrency: Number(concurrencyArg),
  send: () =>
    plain
      ? fetch(`${url}/healthz`)
      : fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: {
            authorization: `Bearer pxk_${randomBytes(24).toString('base64url')}`,
            'content-type': 'application/json',
          },
          body,
        }),
  observe: (res, text) => {
    let code: unknown;
    try {
      code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    } catch {
      code = undefined;
    }
    const ok =
      (plain && res.status === 200) ||
      (res.status === 401 && code === 'invalid_api_key') ||
      (res.status === 429 &&
        code === 'rate_limit_exceeded' &&
        /^\d+$/.test(res.headers.get('retry-after') ?? ''));
    if (!ok) malformed++;
  },
});
const ms = latencies(result.samples);
const cpu = process.cpuUsage(cpuBefore);
const out: FloodResult = {
  requests: result.samples.length,
  seconds: round(result.seconds),
  rps: round(result.samples.length / result.seconds, 1),
  statuses: countStatuses(result.samples),
  networkErrors: result.networkErrors,
  malformed,
  p50Ms: round(percentile(ms, 50)),
  p99Ms: round(percentile(ms, 99)),
  clientCpuSeconds: round((cpu.user + cpu.system) / 1e6),
};
process.stdout.write(`result ${JSON.stringify(out)}\n`);
