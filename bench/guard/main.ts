/**
 * bench:guard — what the edge's guards cost and how well they hold, on a fleet whose node answers
 * at once (so the edge is what is measured):
 * 1. limits: latency of one chat request with a key whose tenant has limits (never reached: each
 *    request takes a Limiter round trip) against a key whose tenant has none (no round trip);
 * 2. bad keys: a valid client's latency alone, beside a flood of random well-formed bad keys, and
 *    beside the reference, a flood of GET /healthz at the same concurrency (what the flood's
 *    traffic costs on this machine by itself); and how many refusals per second the edge answers;
 * 3. limiter accuracy: a key limited to R requests per minute, driven far above R, must let
 *    through what GCRA promises (see gcra-expect.ts for the formula).
 * Prints progress, then one JSON line.
 */
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { INSTANT_MODEL } from '../gateway/instant-engine.ts';
import { runLoad } from '../gateway/load.ts';
import { childPids, cpuSeconds } from '../gateway/proc-cpu.ts';
import { percentile, round } from '../gateway/stats.ts';
import { startFleet, type Fleet } from './fleet.ts';
import { startFlood } from './flood-phase.ts';
import type { FloodResult } from './flood.ts';
import { limiterAccuracy } from './gcra-expect.ts';
import { countStatuses, latencies, runTimed, type Sample } from './timed-load.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const WARMUP = env('BENCH_GUARD_WARMUP', 300);
const LATENCY_ROUNDS = env('BENCH_GUARD_ROUNDS', 20);
const LATENCY_PER_ROUND = env('BENCH_GUARD_PER_ROUND', 150);
/** Limits the guarded tenant can never reach in this bench. */
const NEVER_DENY = {
  requestsPerMinute: 10_000_000,
  tokensPerMinute: 1e11,
  concurrentRequests: 10_000,
};

/** Quiet and flooded phases alternate, FLOOD_ROUNDS of each, so both see the same drift. */
const FLOOD_ROUNDS = env('BENCH_GUARD_FLOOD_ROUNDS', 2);
const FLOOD_PHASE_MS = env('BENCH_GUARD_FLOOD_PHASE_MS', 5000);
const FLOOD_CONCURRENCY = 8;
const FLOOD_MAX_REQUESTS = 200_000;
const VALID_MAX_REQUESTS = 50_000;

const LIMIT_RPM = env('BENCH_GUARD_RPM', 1200);
const LIMIT_SECONDS = env('BENCH_GUARD_LIMIT_SECONDS', 25);
const LIMIT_CONCURRENCY = 4;
const LIMIT_MAX_REQUESTS = 200_000;

const benchStarted = performance.now();
/** Other work on the machine shows in every latency here; the JSON line reports it. */
const loadBefore = loadavg()[0] ?? Number.NaN;
let fleet: Fleet | undefined;
let floodChild: { stop(signal: NodeJS.Signals, graceMs: number): Promise<unknown> } | undefined;
const cleanUp = async () => {
  await floodChild?.stop('SIGTERM', 1000);
  await fleet?.stop();
};
// On a signal, exit at once and let the 'exit' hooks clean up: spawnChild kills the node and the
// flood, Miniflare kills workerd, startFleet removes the temp dir. (Miniflare's own signal hook
// exits synchronously too, so an async cleanup here would never finish.)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping`);
    process.exit(130);
  });
}

const chatBody = JSON.stringify({
  model: INSTANT_MODEL,
  messages: [{ role: 'user', content: 'hi' }],
  max_tokens: 1,
});

interface CreatedKey {
  readonly id: string;
  readonly key: string;
}

try {
  fleet = await startFleet();
  const { url } = fleet;
  const admin = fleet.admin;
  console.log(`edge ${url}, node connected`);

  const newKey = async (tenant: string, name: string) =>
    (await admin('POST', '/admin/api-keys', { tenant, name })) as CreatedKey;
  const open = await newKey('open', 'open');
  const guarded = await newKey('guarded', 'guarded');
  await admin('PATCH', '/admin/tenants/guarded', { limits: NEVER_DENY });
  const limited = await newKey('metered', 'limited');
  await admin('PATCH', `/admin/api-keys/${limited.id}`, {
    limits: { requestsPerMinute: LIMIT_RPM },
  });
  // Used for the first time while the flood has this address blocked.
  const fresh = await newKey('open', 'fresh');

  const chat = (key: string) => () =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: chatBody,
    });
  const sendOpen = chat(open.key);
  const sendGuarded = chat(guarded.key);

  // The guarded key must really go through the Limiter, and the open one must not.
  {
    const g = await sendGuarded();
    await g.arrayBuffer();
    const o = await sendOpen();
    await o.arrayBuffer();
    const limit = g.headers.get('x-ratelimit-limit-requests');
    if (g.status !== 200 || limit !== String(NEVER_DENY.requestsPerMinute))
      throw new Error(`guarded key: ${g.status}, x-ratelimit-limit-requests ${limit}`);
    if (o.status !== 200 || o.headers.has('x-ratelimit-limit-requests'))
      throw new Error(`open key: ${o.status}, carries x-ratelimit headers`);
  }

  // --- 1. What limits add -------------------------------------------------------------------
  const workerd = childPids(process.pid, 'workerd');
  const edgeCpu = () => workerd.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  await runLoad(WARMUP, 1, sendOpen);
  await runLoad(WARMUP, 1, sendGuarded);
  const lat = { open: [] as number[], guarded: [] as number[] };
  const cpu = { open: 0, guarded: 0 };
  let latencyErrors = 0;
  const batch = async (kind: 'open' | 'guarded') => {
    const before = edgeCpu();
    const r = await runLoad(LATENCY_PER_ROUND, 1, kind === 'open' ? sendOpen : sendGuarded);
    cpu[kind] += edgeCpu() - before;
    lat[kind].push(...r.latenciesMs);
    latencyErrors += r.errors;
  };
  for (let round = 0; round < LATENCY_ROUNDS; round++) {
    // ABBA order: neither kind always runs first after the other's leftover work.
    const order = round % 2 === 0 ? (['open', 'guarded'] as const) : (['guarded', 'open'] as const);
    for (const kind of order) await batch(kind);
  }
  if (latencyErrors > 0) throw new Error(`limits latency: ${latencyErrors} failed requests`);
  const p = (values: number[], q: number) => round(percentile(values, q));
  const perReqMs = (seconds: number, n: number) => round((seconds * 1000) / n, 3);
  for (const kind of ['open', 'guarded'] as const) {
    console.log(
      `limits  ${kind === 'open' ? 'no limits  ' : 'with limits'}  p50 ${p(lat[kind], 50)} ms  p99 ${p(lat[kind], 99)} ms  ` +
        `edge cpu ${perReqMs(cpu[kind], lat[kind].length)} ms/req  (${lat[kind].length} requests, c=1)`,
    );
  }
  const limitsAddedP50 = round(percentile(lat.guarded, 50) - percentile(lat.open, 50));
  const limitsAddedP99 = round(percentile(lat.guarded, 99) - percentile(lat.open, 99));
  console.log(`limits  added: p50 ${limitsAddedP50} ms, p99 ${limitsAddedP99} ms`);

  // --- 2. Limiter accuracy (before the flood: a blocked address would refuse this new key) ----
  let badDenials = 0;
  let allowedWithoutHeaders = 0;
  const limitedRun = await runTimed({
    durationMs: LIMIT_SECONDS * 1000,
    maxRequests: LIMIT_MAX_REQUESTS,
    concurrency: LIMIT_CONCURRENCY,
    send: chat(limited.key),
    observe: (res, text) => {
      const limitHeader = res.headers.get('x-ratelimit-limit-requests');
      if (res.status === 200 && limitHeader !== String(LIMIT_RPM)) allowedWithoutHeaders++;
      if (res.status !== 429) return;
      let code: unknown;
      try {
        code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
      } catch {
        code = undefined;
      }
      const retryAfter = Number(res.headers.get('retry-after') ?? Number.NaN);
      const ok =
        code === 'rate_limit_exceeded' &&
        Number.isInteger(retryAfter) &&
        retryAfter >= 1 &&
        limitHeader === String(LIMIT_RPM);
      if (!ok) badDenials++;
    },
  });
  const acc = limiterAccuracy(LIMIT_RPM, limitedRun.samples);
  console.log(
    `limiter ${LIMIT_RPM}/min for ${round(limitedRun.seconds, 1)} s at c=${LIMIT_CONCURRENCY}: ` +
      `${acc.allowed} allowed, ${acc.denied} denied (429), ${acc.other} other, ${limitedRun.networkErrors} network errors; ` +
      `${badDenials} 429s without rate_limit_exceeded + Retry-After + x-ratelimit-limit-requests`,
  );
  console.log(
    `limiter whole run: expected R + R*T/60 with T = ${round(acc.wholeSeconds, 2)} s (first to last decision) ` +
      `= ${round(acc.expectedWhole, 1)}; allowed ${acc.allowed}, error ${round(acc.errorPctWhole, 2)} %`,
  );
  console.log(
    `limiter after burst: allowed in (first 429, last answer] = ${acc.allowedSteady} over ${round(acc.steadySeconds, 2)} s; ` +
      `expected R/60*(t2-t1) = ${LIMIT_RPM / 60}/s * ${round(acc.steadySeconds, 2)} s = ${round(acc.expectedSteady, 1)}; ` +
      `limiter_error_pct = 100*(allowed-expected)/expected = ${round(acc.errorPctSteady, 2)} %`,
  );

  // The usage ledger of the limited key, before the flood locks this address out of the admin API.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const usage = (await admin('GET', '/admin/usage?since=1h&group_by=key&tenant=metered')) as {
    rows: { keyId?: string; requests: number; errors: number }[];
  };
  const ledger = usage.rows.find((r) => r.keyId === limited.id) ?? { requests: 0, errors: 0 };
  console.log(
    `usage   ledger for the limited key: ${ledger.requests} requests, ${ledger.errors} errors ` +
      `(client saw ${acc.allowed + acc.denied + acc.other}, ${acc.denied + acc.other} refused)`,
  );

  // --- 3. Valid traffic beside a bad-key flood ---------------------------------------------
  const quiet: Sample[] = [];
  const flooded: Sample[] = [];
  const plainFlooded: Sample[] = [];
  const floods: FloodResult[] = [];
  const plainFloods: FloodResult[] = [];
  const cores = { quiet: 0, flood: 0, plain: 0, quietSeconds: 0, floodSeconds: 0, plainSeconds: 0 };
  let validNetworkErrors = 0;
  const valid = async (into: Sample[], kind: 'quiet' | 'flood' | 'plain') => {
    const before = edgeCpu();
    const r = await runTimed({
      durationMs: FLOOD_PHASE_MS,
      maxRequests: VALID_MAX_REQUESTS,
      concurrency: 1,
      send: sendOpen,
    });
    cores[kind] += edgeCpu() - before;
    cores[`${kind}Seconds`] += r.seconds;
    into.push(...r.samples);
    validNetworkErrors += r.networkErrors;
  };
  for (let round = 0; round < FLOOD_ROUNDS; round++) {
    await valid(quiet, 'quiet');
    // The flood outlasts the valid window a little, so the whole window is flooded.
    const flood = startFlood({
      url,
      durationMs: FLOOD_PHASE_MS + 500,
      maxRequests: FLOOD_MAX_REQUESTS,
      concurrency: FLOOD_CONCURRENCY,
    });
    floodChild = flood.child;
    await flood.started;
    await valid(flooded, 'flood');
    const result = await flood.result;
    await flood.child.exited;
    floodChild = undefined;
    floods.push(result);
    console.log(
      `flood   round ${round + 1}: ${result.requests} bad-key requests in ${result.seconds} s ` +
        `(${result.rps}/s, statuses ${JSON.stringify(result.statuses)}, p99 ${result.p99Ms} ms)`,
    );
    // The reference: the same flood of requests that do nothing (GET /healthz).
    const reference = startFlood({
      url,
      durationMs: FLOOD_PHASE_MS + 500,
      maxRequests: FLOOD_MAX_REQUESTS,
      concurrency: FLOOD_CONCURRENCY,
      mode: 'plain',
    });
    floodChild = reference.child;
    await reference.started;
    await valid(plainFlooded, 'plain');
    const plainResult = await reference.result;
    await reference.child.exited;
    floodChild = undefined;
    plainFloods.push(plainResult);
    console.log(
      `plain   round ${round + 1}: ${plainResult.requests} GET /healthz in ${plainResult.seconds} s ` +
        `(${plainResult.rps}/s, p99 ${plainResult.p99Ms} ms)`,
    );
  }
  // Still inside the failure counter's minute: what a blocked address gets.
  const freshRes = await chat(fresh.key)();
  await freshRes.arrayBuffer();
  const adminRes = await fleet.adminRaw('GET', '/admin/nodes');
  await adminRes.arrayBuffer();
  const openRes = await sendOpen();
  await openRes.arrayBuffer();
  console.log(
    `flood   afterwards from the same address: unused valid key ${freshRes.status}, ` +
      `admin API with the right token ${adminRes.status}, known-good key ${openRes.status}`,
  );

  const validErrors =
    quiet.filter((s) => s.status !== 200).length +
    flooded.filter((s) => s.status !== 200).length +
    validNetworkErrors;
  const quietMs = latencies(quiet.filter((s) => s.status === 200));
  const floodedMs = latencies(flooded.filter((s) => s.status === 200));
  const badRequests = floods.reduce((n, f) => n + f.requests, 0);
  const badSeconds = floods.reduce((n, f) => n + f.seconds, 0);
  const badStatuses: Record<string, number> = {};
  for (const f of floods)
    for (const [status, n] of Object.entries(f.statuses))
      badStatuses[status] = (badStatuses[status] ?? 0) + n;
  console.log(
    `valid   quiet        p50 ${p(quietMs, 50)} ms  p99 ${p(quietMs, 99)} ms  (${quietMs.length} requests, c=1)`,
  );
  console.log(
    `valid   under flood  p50 ${p(floodedMs, 50)} ms  p99 ${p(floodedMs, 99)} ms  (${floodedMs.length} requests, c=1; ` +
      `statuses ${JSON.stringify(countStatuses(flooded))})`,
  );

  const plainMs = latencies(plainFlooded.filter((s) => s.status === 200));
  const plainRequests = plainFloods.reduce((n, f) => n + f.requests, 0);
  const plainSeconds = plainFloods.reduce((n, f) => n + f.seconds, 0);
  console.log(
    `valid   beside plain p50 ${p(plainMs, 50)} ms  p99 ${p(plainMs, 99)} ms  (${plainMs.length} requests, c=1; ` +
      `the reference: a flood of GET /healthz at the same concurrency)`,
  );
  console.log(
    `cpu     edge ${round(cores.quiet / cores.quietSeconds, 2)} cores quiet, ` +
      `${round(cores.flood / cores.floodSeconds, 2)} cores under flood; the flood client itself ` +
      `${round(floods.reduce((n, f) => n + f.clientCpuSeconds, 0) / badSeconds, 2)} cores (${availableParallelism()} cpus)`,
  );

  const result = {
    limits_added_p50_ms: limitsAddedP50,
    limits_added_p99_ms: limitsAddedP99,
    no_limits_p50_ms: p(lat.open, 50),
    no_limits_p99_ms: p(lat.open, 99),
    with_limits_p50_ms: p(lat.guarded, 50),
    with_limits_p99_ms: p(lat.guarded, 99),
    no_limits_edge_cpu_ms_per_req: perReqMs(cpu.open, lat.open.length),
    with_limits_edge_cpu_ms_per_req: perReqMs(cpu.guarded, lat.guarded.length),
    limits_requests_each: lat.open.length,
    valid_p50_ms_quiet: p(quietMs, 50),
    valid_p99_ms_quiet: p(quietMs, 99),
    valid_p50_ms_under_flood: p(floodedMs, 50),
    valid_p99_ms_under_flood: p(floodedMs, 99),
    valid_requests_quiet: quietMs.length,
    valid_requests_under_flood: floodedMs.length,
    valid_p50_ms_beside_plain_flood: p(plainMs, 50),
    valid_p99_ms_beside_plain_flood: p(plainMs, 99),
    flood_p99_ratio_to_plain: round(p(floodedMs, 99) / p(plainMs, 99), 2),
    plain_flood_rps: round(plainRequests / plainSeconds, 1),
    valid_errors: validErrors,
    bad_key_rps: round(badRequests / badSeconds, 1),
    bad_key_requests: badRequests,
    bad_key_statuses: badStatuses,
    bad_key_malformed: floods.reduce((n, f) => n + f.malformed, 0),
    bad_key_network_errors: floods.reduce((n, f) => n + f.networkErrors, 0),
    bad_key_p99_ms: Math.max(...floods.map((f) => f.p99Ms)),
    edge_cpu_cores_quiet: round(cores.quiet / cores.quietSeconds, 2),
    edge_cpu_cores_under_flood: round(cores.flood / cores.floodSeconds, 2),
    edge_cpu_cores_beside_plain_flood: round(cores.plain / cores.plainSeconds, 2),
    flood_client_cpu_cores: round(
      floods.reduce((n, f) => n + f.clientCpuSeconds, 0) / badSeconds,
      2,
    ),
    flood_concurrency: FLOOD_CONCURRENCY,
    after_flood_unused_key_status: freshRes.status,
    after_flood_admin_status: adminRes.status,
    after_flood_known_key_status: openRes.status,
    limiter_rpm: LIMIT_RPM,
    limiter_seconds: round(limitedRun.seconds, 2),
    limiter_allowed: acc.allowed,
    limiter_denied: acc.denied,
    limiter_other: acc.other,
    limiter_bad_denials: badDenials,
    limiter_allowed_without_headers: allowedWithoutHeaders,
    limiter_steady_seconds: round(acc.steadySeconds, 3),
    limiter_allowed_steady: acc.allowedSteady,
    limiter_expected_steady: round(acc.expectedSteady, 1),
    limiter_error_pct: round(acc.errorPctSteady, 2),
    limiter_expected_whole: round(acc.expectedWhole, 1),
    limiter_error_pct_whole: round(acc.errorPctWhole, 2),
    limiter_formula:
      'steady: allowed in (first 429, last answer] vs R/60 per s; whole: allowed vs R + R*(last-first)/60 s',
    usage_ledger_requests: ledger.requests,
    usage_ledger_errors: ledger.errors,
    load_average_1m_start: round(loadBefore, 2),
    load_average_1m_end: round(loadavg()[0] ?? Number.NaN, 2),
    cpus: availableParallelism(),
    bench_seconds: round((performance.now() - benchStarted) / 1000, 1),
  };
  console.log(JSON.stringify(result));
} finally {
  await cleanUp();
}
