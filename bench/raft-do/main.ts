/**
 * bench:raft-do — the registry's Raft group (three RaftPeer Durable Objects) in local workerd,
 * driven from Node through Miniflare's proxy stubs:
 * 1. commit latency of single writes (`route.set`), sequential, proposed at the leader and at a
 *    follower (which forwards to the leader and answers once it applied the entry itself);
 * 2. proposal batching: writes at concurrency 1, 16 and 64 at the leader and 16 at a follower,
 *    under each RAFT_BATCH_MS schedule (`off`: one Ready per call, as before batching, beside the
 *    batched default), workerd restarted for each, the schedules taking turns by round;
 * 3. linearizable (ReadIndex) read latency at the leader and at a follower;
 * 4. failover: the leader is cut off while writes flow; the time until a write commits again;
 * and auth through the Worker: a cached key against a route with no key lookup, and a key's first
 * use (a ReadIndex read), to show that a known key costs no registry round trip (bench/raft-do/auth.ts).
 * A reference is measured beside 1 and 3: a plain RPC round trip (`status`) from Node to a peer,
 * what every call here costs before Raft does anything. 1 and 3 take turns in rounds, so all see
 * the same drift of a shared machine; 2 carries its own reference, the unbatched schedule.
 *
 * Timing: RAFT_TICK_MS and RAFT_ELECTION_TICKS are overridden (default 100 ms × 10: elections
 * after 1–2 s, instead of production's 5–10 s). RAFT_FAULT_INJECTION is "on" only for step 4,
 * after a restart of workerd (the group rebuilds from SQLite): production config has no fault
 * hook, and steps 1–3 run without it. Steps 1, 3 and 4 run the batched schedule (the peers'
 * default). Prints progress, then one JSON line.
 */
import { availableParallelism, loadavg } from 'node:os';
import { measureAuth } from './auth.ts';
import { performance } from 'node:perf_hooks';
import type { NodeId } from '@proxima/core/raft';
import { percentile, round } from '../gateway/stats.ts';
import { failover, type FailoverRound } from './failover.ts';
import { cpuMeter, interleaved, type Kind, type Samples } from './load.ts';
import { PEERS, routeSet, sleep, type Peers } from './peers.ts';
import { startRaftRuntime, type RaftRuntime } from './runtime.ts';
import { pointOf, sweep } from './sweep.ts';

/** A positive integer from the environment, or the fallback. */
function env(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer: ${raw}`);
  return n;
}

const TICK_MS = env('BENCH_RAFT_TICK_MS', 100);
const ELECTION_TICKS = env('BENCH_RAFT_ELECTION_TICKS', 10);
// RaftPeer's own bounds (edge/src/raft/peer/raft-peer.ts): outside them every peer refuses to boot.
if (TICK_MS < 10 || ELECTION_TICKS < 2 || ELECTION_TICKS > 1000)
  throw new Error('BENCH_RAFT_TICK_MS must be ≥ 10 and BENCH_RAFT_ELECTION_TICKS in [2, 1000]');
const WARMUP = env('BENCH_RAFT_WARMUP', 50);
const N = env('BENCH_RAFT_N', 300);
const ROUNDS = 10;
/** The headline load (writes_per_s, batched_commit_*), and the sweep's other points. */
const CONCURRENCY = env('BENCH_RAFT_CONCURRENCY', 16);
/** Requests of each kind in the auth measurement (each first-use key is created beforehand). */
const AUTH_ROUNDS = env('BENCH_RAFT_AUTH_ROUNDS', 200);
const SWEEP = [...new Set([1, CONCURRENCY, env('BENCH_RAFT_CONCURRENCY_HIGH', 64)])];
const SWEEP_ROUNDS = env('BENCH_RAFT_SWEEP_ROUNDS', 2);
const SWEEP_POINT_MS = env('BENCH_RAFT_SWEEP_POINT_MS', 3000);
const SWEEP_POINT_MAX = env('BENCH_RAFT_SWEEP_POINT_MAX', 10_000);
/**
 * RAFT_BATCH_MS schedules compared: `off` (one Ready per call, as before batching: the reference),
 * the batched one (BENCH_RAFT_BATCH_MS; `default` leaves RAFT_BATCH_MS unset), and any others
 * listed in BENCH_RAFT_SCHEDULES (comma-separated). Phases 1, 3 and 4 run the batched one.
 */
const UNBATCHED = 'off';
const BATCHED = process.env.BENCH_RAFT_BATCH_MS ?? 'default';
const SCHEDULES = [
  ...new Set([UNBATCHED, BATCHED, ...(process.env.BENCH_RAFT_SCHEDULES ?? '').split(',')]),
].filter((x) => x !== '');
const FAILOVER_ROUNDS = env('BENCH_RAFT_FAILOVER_ROUNDS', 3);
const PROPOSE_TIMEOUT_MS = 5000;
const READ_TIMEOUT_MS = 5000;

/** Goals (docs/design/0012): commit p99 ≤ 3 ms locally; failover ≤ 2 election timeouts. */
const GOAL_COMMIT_P99_MS = 3;
const GOAL_FAILOVER_TIMEOUTS = 2;

const ELECTION_TIMEOUT_MS = TICK_MS * ELECTION_TICKS;
const benchStarted = performance.now();
const loadBefore = loadavg()[0] ?? Number.NaN;

// On a signal, exit at once and let the 'exit' hooks clean up: Miniflare kills workerd, the
// runtime removes its temp dir.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping`);
    process.exit(130);
  });
}

const p = (s: { latenciesMs: number[] }, q: number) => round(percentile(s.latenciesMs, q));
const ms = (from: number) => round(performance.now() - from, 1);

/** workerd's CPU while the group idles (ticks, heartbeats), ms per second: set after the start. */
let idleCpuMsPerS = 0;

/**
 * CPU per successful call, ms: workerd (the three peers and Miniflare's proxy worker), less what
 * the idle group would have used meanwhile, and Node (Miniflare's proxy client). A kind's cost
 * over `rpc` is its own; /proc counts in 10 ms ticks, so these are averages over many calls.
 */
function cpuPerCall(s: Samples): { workerd: number; node: number } {
  const n = Math.max(1, s.latenciesMs.length);
  const workerd = s.workerdCpuMs - (idleCpuMsPerS * s.wallMs) / 1000;
  return { workerd: round(workerd / n, 2), node: round(s.nodeCpuMs / n, 2) };
}

/** workerd's CPU per second over `ms` of a group left alone. */
async function idleCpu(cpu: () => { workerd: number }, ms: number): Promise<number> {
  const before = cpu().workerd;
  const started = performance.now();
  await sleep(ms);
  return ((cpu().workerd - before) * 1000) / (performance.now() - started);
}

function summary(name: string, s: Samples): string {
  const cpu = cpuPerCall(s);
  return `${name.padEnd(18)} p50 ${p(s, 50)} ms  p99 ${p(s, 99)} ms  (${s.latenciesMs.length} ok, ${s.errors} failed)  cpu/call: workerd ${cpu.workerd} ms, node ${cpu.node} ms`;
}

/** RAFT_BATCH_MS for a schedule: `default` leaves it unset. */
function batchBinding(schedule: string): string | undefined {
  return schedule === 'default' ? undefined : schedule;
}

function ratio(a: number, b: number): number {
  return round(a / b, 2);
}

function samplesOf(samples: Map<string, Samples>, name: string): Samples {
  const s = samples.get(name);
  if (!s) throw new Error(`no samples for ${name}`);
  if (s.errors > 0) throw new Error(`${name}: ${s.errors} calls failed`);
  return s;
}

/** The cost of reading one field of an RPC answer: Miniflare keeps the answer in workerd. */
async function proxyCost(
  peers: Peers,
  leader: NodeId,
): Promise<{ clones: boolean; readMs: number }> {
  const answer = await peers.stub(leader).status(leader);
  let clones = true;
  try {
    structuredClone(answer);
  } catch {
    clones = false;
  }
  const reads: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    if (answer.leader !== leader) throw new Error('the leader changed during the warm-up');
    reads.push(performance.now() - t0);
  }
  return { clones, readMs: percentile(reads, 50) };
}

let runtime: RaftRuntime | undefined;
try {
  console.log(
    `raft group: 3 RaftPeer objects in local workerd; tick ${TICK_MS} ms, election after ${ELECTION_TICKS}–${2 * ELECTION_TICKS} ticks (${ELECTION_TIMEOUT_MS}–${2 * ELECTION_TIMEOUT_MS} ms)`,
  );
  const raft = await startRaftRuntime({ tickMs: TICK_MS, electionTicks: ELECTION_TICKS });
  runtime = raft;
  let peers = await raft.configure({ faultInjection: false, batchMs: batchBinding(BATCHED) });
  const cpu = cpuMeter();
  const coldAt = performance.now();
  const { leader, term } = await peers.agreedLeader({ withinMs: 20_000 });
  const coldMs = ms(coldAt);
  const follower = PEERS.find((id) => id !== leader) as NodeId;
  console.log(
    `cold start: raft-${leader} leads (term ${term}) after ${coldMs} ms; RAFT_FAULT_INJECTION off`,
  );
  idleCpuMsPerS = await idleCpu(cpu, 3000);
  console.log(
    `idle group: workerd uses ${round(idleCpuMsPerS, 1)} ms CPU per s (ticks, heartbeats); CPU per call below is net of it`,
  );
  const proxy = await proxyCost(peers, leader);
  console.log(
    `RPC answers arrive as Miniflare proxies (structuredClone ${proxy.clones ? 'works' : 'refuses them'}); one field read blocks ${round(proxy.readMs)} ms; timings stop before it`,
  );

  // --- 1 + 3: single writes, reads and the reference, taking turns -------------------------
  const write = (at: NodeId, tag: string): Kind<unknown> => ({
    name: `commit@${at === leader ? 'leader' : 'follower'}`,
    call: (i) =>
      peers
        .stub(at)
        .propose(
          at,
          `${tag}-${at}-${i}`,
          routeSet(`bench-${i % 8}`, `model-${i}`),
          PROPOSE_TIMEOUT_MS,
        ),
    ok: (a) => (a as { ok: boolean }).ok,
  });
  const read = (at: NodeId): Kind<unknown> => ({
    name: `read@${at === leader ? 'leader' : 'follower'}`,
    call: (i) => peers.stub(at).readRoute(at, `bench-${i % 8}`, READ_TIMEOUT_MS, 'linearizable'),
    ok: (a) => (a as { ok: boolean }).ok,
  });
  const rpc: Kind<unknown> = {
    name: 'rpc status',
    call: () => peers.stub(leader).status(leader),
    ok: (a) => (a as { leader: NodeId }).leader === leader,
  };
  const single = [rpc, write(leader, 'seq'), write(follower, 'seq'), read(leader), read(follower)];
  await interleaved(
    single.map((k) => ({ ...k, call: (i: number) => k.call(i + 1e6) })),
    1,
    WARMUP,
    cpu,
  );
  console.log(`warm-up: ${WARMUP} of each kind; measuring ${N} of each in ${ROUNDS} rounds`);
  const singleAt = performance.now();
  const samples = await interleaved(single, ROUNDS, Math.ceil(N / ROUNDS), cpu);
  for (const k of single) console.log(summary(k.name, samplesOf(samples, k.name)));
  const rpcS = samplesOf(samples, 'rpc status');
  const commitL = samplesOf(samples, 'commit@leader');
  const commitF = samplesOf(samples, 'commit@follower');
  const readL = samplesOf(samples, 'read@leader');
  const readF = samplesOf(samples, 'read@follower');
  console.log(`single calls took ${ms(singleAt)} ms`);
  const steady = await peers.agreedLeader({ caughtUp: true });
  if (steady.leader !== leader || steady.term !== term)
    console.log(
      `note: the leader changed during 1 and 3: raft-${steady.leader}, term ${steady.term}`,
    );

  // --- auth through the Worker: does a known key cost a registry round trip? ------------------
  const authAt = performance.now();
  const { url, adminToken } = raft.edge();
  const auth = await measureAuth(url, adminToken, AUTH_ROUNDS);
  console.log(
    `auth (GET /v1/models, ${AUTH_ROUNDS} each, interleaved): cached key p50 ${auth.hotP50Ms} / p99 ${auth.hotP99Ms} ms; reference without key lookup (GET /admin/nodes) p50 ${auth.referenceP50Ms} / p99 ${auth.referenceP99Ms} ms; first use of a key (a ReadIndex read) p50 ${auth.missP50Ms} / p99 ${auth.missP99Ms} ms; cached/reference p50 ${auth.hotOverReference}x; took ${ms(authAt)} ms`,
  );

  // --- 2: batching: the schedules compared at several concurrencies ---------------------------
  const sweepAt = performance.now();
  console.log(
    `writes under load: RAFT_BATCH_MS ${SCHEDULES.join(' vs ')}, c=${SWEEP.join('/')} at the leader and c=${CONCURRENCY} at a follower, ${SWEEP_ROUNDS} rounds of ${SWEEP_POINT_MS} ms per point (workerd restarted per schedule)`,
  );
  const points = await sweep({
    schedules: SCHEDULES,
    concurrencies: SWEEP,
    followerConcurrency: CONCURRENCY,
    rounds: SWEEP_ROUNDS,
    pointMs: SWEEP_POINT_MS,
    pointMaxCalls: SWEEP_POINT_MAX,
    timeoutMs: PROPOSE_TIMEOUT_MS,
    idleCpuMsPerS,
    restart: async (schedule) => {
      peers = await raft.configure({ faultInjection: false, batchMs: batchBinding(schedule) });
      return { peers, leader: (await peers.agreedLeader({ withinMs: 20_000 })).leader };
    },
    log: (line) => console.log(line),
  });
  for (const pt of points)
    console.log(
      `RAFT_BATCH_MS=${pt.schedule.padEnd(8)} ${pt.at.padEnd(8)} c=${String(pt.concurrency).padEnd(3)} ${String(pt.writes_per_s).padStart(4)} writes/s  p50 ${pt.p50_ms} ms  p99 ${pt.p99_ms} ms  workerd cpu/write ${pt.workerd_cpu_ms_per_write} ms  (${pt.writes} ok, ${pt.failed} failed)`,
    );
  const failedPoints = points.filter((pt) => pt.failed > 0 || pt.writes === 0);
  if (failedPoints.length > 0)
    throw new Error(`writes under load failed: ${JSON.stringify(failedPoints)}`);
  const batched = pointOf(points, BATCHED, 'leader', CONCURRENCY);
  const unbatched = pointOf(points, UNBATCHED, 'leader', CONCURRENCY);
  const high = SWEEP[SWEEP.length - 1] ?? CONCURRENCY;
  const batchedHigh = pointOf(points, BATCHED, 'leader', high);
  const unbatchedHigh = pointOf(points, UNBATCHED, 'leader', high);
  const batchedFollower = pointOf(points, BATCHED, 'follower', CONCURRENCY);
  const unbatchedFollower = pointOf(points, UNBATCHED, 'follower', CONCURRENCY);
  console.log(
    `batching: c=${CONCURRENCY} ${batched.writes_per_s} vs ${unbatched.writes_per_s} writes/s (${ratio(batched.writes_per_s, unbatched.writes_per_s)}x), c=${high} ${batchedHigh.writes_per_s} vs ${unbatchedHigh.writes_per_s} (${ratio(batchedHigh.writes_per_s, unbatchedHigh.writes_per_s)}x), at a follower c=${CONCURRENCY} ${batchedFollower.writes_per_s} vs ${unbatchedFollower.writes_per_s} (${ratio(batchedFollower.writes_per_s, unbatchedFollower.writes_per_s)}x); took ${ms(sweepAt)} ms`,
  );
  const settled = await peers.agreedLeader({ caughtUp: true });
  const commitBefore = (await peers.status(settled.leader)).commit;

  // --- 4: failover ---------------------------------------------------------------------------
  // Test builds only: the restart turns the fault hook on so the leader can be cut off.
  const restartAt = performance.now();
  peers = await raft.configure({ faultInjection: true, batchMs: batchBinding(BATCHED) });
  const restarted = await peers.agreedLeader({ withinMs: 20_000, caughtUp: true });
  const restartMs = ms(restartAt);
  const commitAfter = (await peers.status(restarted.leader)).commit;
  if (commitAfter < commitBefore)
    throw new Error(`after the restart the commit index is ${commitAfter} < ${commitBefore}`);
  console.log(
    `restarted workerd with RAFT_FAULT_INJECTION "on" (test builds only; production has no fault hook): raft-${restarted.leader} leads after ${restartMs} ms, commit ${commitAfter} ≥ ${commitBefore}`,
  );
  const rounds: FailoverRound[] = [];
  for (let r = 1; r <= FAILOVER_ROUNDS; r++) {
    const result = await failover(peers, {
      round: r,
      intervalMs: 50,
      writeTimeoutMs: 1000,
      leadInMs: 1000,
      giveUpMs: 15_000,
    });
    rounds.push(result);
    console.log(
      `failover ${r}: cut raft-${result.old_leader} (term ${result.term_before}) -> raft-${result.new_leader} (term ${result.term_after}); a write committed after ${round(result.failover_ms, 1)} ms (${round(result.failover_ms / ELECTION_TIMEOUT_MS, 2)} election timeouts); healed and caught up in ${round(result.heal_ms, 0)} ms`,
    );
  }
  const failoverMax = Math.max(...rounds.map((r) => r.failover_ms));

  const commitP99 = p(commitL, 99);
  const readP99 = Math.max(p(readL, 99), p(readF, 99));
  const result = {
    commit_p50_ms: p(commitL, 50),
    commit_p99_ms: commitP99,
    writes_per_s: batched.writes_per_s,
    failover_ms: round(failoverMax, 1),
    election_timeout_ms: ELECTION_TIMEOUT_MS,
    read_p99_ms: readP99,
    read_p99_of: 'max of leader and follower linearizable reads',
    writes_per_s_of: `c=${CONCURRENCY} at the leader, batched (RAFT_BATCH_MS ${BATCHED === 'default' ? 'unset: the 0 ms default' : BATCHED})`,
    batched_commit_p50_ms: batched.p50_ms,
    batched_commit_p99_ms: batched.p99_ms,
    batched_writes_per_s: batched.writes_per_s,
    unbatched_commit_p50_ms: unbatched.p50_ms,
    unbatched_commit_p99_ms: unbatched.p99_ms,
    unbatched_writes_per_s: unbatched.writes_per_s,
    batched_over_unbatched_writes_per_s: ratio(batched.writes_per_s, unbatched.writes_per_s),
    [`batched_over_unbatched_writes_per_s_c${high}`]: ratio(
      batchedHigh.writes_per_s,
      unbatchedHigh.writes_per_s,
    ),
    batched_over_unbatched_writes_per_s_follower: ratio(
      batchedFollower.writes_per_s,
      unbatchedFollower.writes_per_s,
    ),
    batch_schedules: { batched: BATCHED, unbatched: UNBATCHED },
    sweep: points,
    auth_cached_p50_ms: auth.hotP50Ms,
    auth_cached_p99_ms: auth.hotP99Ms,
    auth_reference_p50_ms: auth.referenceP50Ms,
    auth_reference_p99_ms: auth.referenceP99Ms,
    auth_first_use_p50_ms: auth.missP50Ms,
    auth_first_use_p99_ms: auth.missP99Ms,
    auth_cached_over_reference_p50: auth.hotOverReference,
    rpc_p50_ms: p(rpcS, 50),
    rpc_p99_ms: p(rpcS, 99),
    commit_over_rpc_p50_ms: round(p(commitL, 50) - p(rpcS, 50)),
    commit_over_rpc_p99_ms: round(commitP99 - p(rpcS, 99)),
    follower_commit_p50_ms: p(commitF, 50),
    follower_commit_p99_ms: p(commitF, 99),
    read_leader_p50_ms: p(readL, 50),
    read_leader_p99_ms: p(readL, 99),
    read_follower_p50_ms: p(readF, 50),
    read_follower_p99_ms: p(readF, 99),
    concurrency: CONCURRENCY,
    single_calls_per_kind: commitL.latenciesMs.length,
    cpu_ms_per_call: {
      rpc: cpuPerCall(rpcS),
      commit_leader: cpuPerCall(commitL),
      commit_follower: cpuPerCall(commitF),
      read_leader: cpuPerCall(readL),
      read_follower: cpuPerCall(readF),
      batched_write: { workerd: batched.workerd_cpu_ms_per_write },
      unbatched_write: { workerd: unbatched.workerd_cpu_ms_per_write },
    },
    failover_runs_ms: rounds.map((r) => round(r.failover_ms, 1)),
    failover_runs: rounds.map((r) => ({
      ...r,
      failover_ms: round(r.failover_ms, 1),
      cut_rpc_ms: round(r.cut_rpc_ms, 1),
      heal_ms: round(r.heal_ms, 0),
    })),
    failover_over_election_timeout: round(failoverMax / ELECTION_TIMEOUT_MS, 2),
    election_timeout_range_ms: [ELECTION_TIMEOUT_MS, 2 * ELECTION_TIMEOUT_MS],
    tick_ms: TICK_MS,
    election_ticks: ELECTION_TICKS,
    cold_election_ms: coldMs,
    restart_to_leader_ms: restartMs,
    proxy_field_read_ms: round(proxy.readMs),
    workerd_idle_cpu_ms_per_s: round(idleCpuMsPerS, 1),
    fault_injection: 'on only for the failover phase (test-only hook; production has none)',
    goal_commit_p99_ms: GOAL_COMMIT_P99_MS,
    goal_commit_p99_met: commitP99 <= GOAL_COMMIT_P99_MS,
    goal_failover_election_timeouts: GOAL_FAILOVER_TIMEOUTS,
    goal_failover_met: failoverMax <= GOAL_FAILOVER_TIMEOUTS * ELECTION_TIMEOUT_MS,
    cpus: availableParallelism(),
    load_before: round(loadBefore, 2),
    load_after: round(loadavg()[0] ?? Number.NaN, 2),
    run_s: round((performance.now() - benchStarted) / 1000, 1),
  };
  console.log(JSON.stringify(result));
} finally {
  await runtime?.stop();
}
