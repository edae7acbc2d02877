/**
 * bench:failover — what mid-stream failover costs, with real processes and real faults: the
 * failover harness (tests/failover/) at the edge's production timings (HEARTBEAT_MS 2000, the
 * default STREAM_STALL_MS), with reference rounds without a fault interleaved, so the latency a
 * failover adds is measured against streams of the same length in the same run.
 *
 *   npm run bench:failover [-- --faults 100 --kinds kill,stop,...]
 *
 * Progress on stderr; the last stdout line is JSON: success rate while a backend was alive,
 * failover_added_p50/p99_ms (stream time with a failover minus the reference p50), detect_ms (p99
 * fault → the sentinel no longer lists the node healthy, over dead-node faults), faults per kind,
 * duplicated and lost tokens. 'hang' is left out by default: with the default STREAM_STALL_MS
 * (30 s) it would measure that timeout alone.
 */
import {
  FlagError,
  parseFailoverFlags,
  usage,
  type FailoverFlags,
} from '../../tests/failover/flags.ts';
import { runFailover } from '../../tests/failover/harness.ts';
import { misses, summarize } from '../../tests/failover/report.ts';

const DEFAULTS: FailoverFlags = {
  faults: 100,
  lanes: 4,
  nodes: 3,
  heartbeatMs: 2000,
  streamStallMs: null,
  tokenDelayMs: 20,
  kinds: ['kill', 'stop', 'cut', 'blackhole', 'slow', 'upstream', 'all_down'],
  seed: Math.floor(Math.random() * 2 ** 32),
  verbose: false,
  help: false,
};
/** Tokens per stream: every stream of a round has this many, so durations compare. */
const TOKENS = 40;

let flags: FailoverFlags;
try {
  flags = parseFailoverFlags(process.argv.slice(2), DEFAULTS);
} catch (err) {
  if (!(err instanceof FlagError)) throw err;
  process.stderr.write(
    `bench:failover: ${err.message}\n${usage('npm run bench:failover --', DEFAULTS)}\n`,
  );
  process.exit(2);
}
if (flags.help) {
  process.stdout.write(`${usage('npm run bench:failover --', DEFAULTS)}\n`);
  process.exit(0);
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const stallMs = flags.streamStallMs ?? 30_000;
log(
  `bench:failover: ${flags.faults} faults (${flags.kinds.join(', ')}), heartbeat ${flags.heartbeatMs} ms, seed ${flags.seed}`,
);
const result = await runFailover({
  faults: flags.faults,
  kinds: flags.kinds,
  // About one reference round per three faults in each lane.
  referenceRounds: 4,
  lanes: flags.lanes,
  nodesPerLane: flags.nodes,
  heartbeatMs: flags.heartbeatMs,
  streamStallMs: flags.streamStallMs,
  continuations: null,
  slots: 8,
  // The agent's own default reconnect backoff: recovery is part of what is measured.
  backoff: { baseMs: 500, maxMs: 30_000 },
  seed: flags.seed,
  round: {
    tokenDelayMs: flags.tokenDelayMs,
    slowTokenDelayMs: flags.tokenDelayMs * 3,
    streams: 3,
    wholes: 1,
    targetTokens: TOKENS,
    otherTokens: [TOKENS, TOKENS],
    naturalStops: false,
    chatDeadlineMs: 120_000 + stallMs,
    readyTimeoutMs: 120_000,
    detectTimeoutMs: 10 * flags.heartbeatMs + 5000,
    heartbeatMs: flags.heartbeatMs,
  },
  progress: log,
  ...(flags.verbose ? { verbose: log } : {}),
});
const s = summarize(result);
for (const p of s.first_problems) log(`BROKEN ${JSON.stringify(p)}`);
for (const m of misses(result)) log(`MISS ${JSON.stringify(m)}`);
for (const [kind, st] of Object.entries(s.failover_added_by_kind))
  log(`failover added, ${kind}: p50 ${st.p50} ms, p99 ${st.p99} ms (${st.n} streams)`);
for (const [kind, st] of Object.entries(s.detect_by_kind))
  log(`detect, ${kind}: p50 ${st.p50} ms, p99 ${st.p99} ms, max ${st.max} ms`);
process.stdout.write(
  `${JSON.stringify({
    success_rate: s.success_rate,
    failover_added_p99_ms: s.failover_added_p99_ms,
    detect_ms: s.detect_ms,
    faults: s.faults,
    duplicated_tokens: s.duplicated_tokens,
    lost_tokens: s.lost_tokens,
    failover_added_p50_ms: s.failover_added_p50_ms,
    detect_p50_ms: s.detect_p50_ms,
    detect_max_ms: s.detect_max_ms,
    reference_p50_ms: s.reference_p50_ms,
    reference_p99_ms: s.reference_p99_ms,
    reference_streams: s.reference_streams,
    faults_by_kind: s.faults_by_kind,
    failover_added_by_kind: s.failover_added_by_kind,
    detect_by_kind: s.detect_by_kind,
    gap_by_kind: s.gap_by_kind,
    next_chunk_by_kind: s.next_chunk_by_kind,
    requests: s.requests,
    requests_backend_alive: s.requests_backend_alive,
    errors_backend_alive: s.errors_backend_alive,
    requests_no_backend: s.requests_no_backend,
    explicit_errors_no_backend: s.explicit_errors_no_backend,
    broken: s.broken,
    stranded_nodes: s.stranded_nodes,
    suspect_seen: s.suspect_seen,
    streams_failed_over: s.streams_failed_over,
    back_p50_ms: s.back_p50_ms,
    back_p99_ms: s.back_p99_ms,
    heartbeat_ms: flags.heartbeatMs,
    tokens_per_stream: TOKENS,
    token_delay_ms: flags.tokenDelayMs,
    seed: flags.seed,
    duration_s: s.duration_s,
  })}\n`,
);
