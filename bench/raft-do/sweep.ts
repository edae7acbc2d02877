/**
 * Writes at several concurrencies under each proposal schedule (RAFT_BATCH_MS): the reference
 * `off`, one Ready per call as before batching, beside the batched default, in the same run.
 * workerd restarts for each schedule (the peers rebuild from SQLite), and the order of the
 * schedules alternates by round, so all of them see the same drift of a shared machine.
 */
import type { NodeId } from '@proxima/core/raft';
import { percentile, round } from '../gateway/stats.ts';
import { concurrent, cpuMeter, type Kind, type Samples } from './load.ts';
import { PEERS, routeSet, type Peers } from './peers.ts';

export interface SweepOptions {
  /** RAFT_BATCH_MS values to compare. */
  readonly schedules: readonly string[];
  /** Concurrencies of writes proposed at the leader. */
  readonly concurrencies: readonly number[];
  /** Concurrency of writes proposed at a follower, which forwards them (0: none). */
  readonly followerConcurrency: number;
  readonly rounds: number;
  /** Time per point per round, ms, and a cap on its calls. */
  readonly pointMs: number;
  readonly pointMaxCalls: number;
  readonly timeoutMs: number;
  /** workerd's CPU while the group idles, ms per s: taken off the CPU per write. */
  readonly idleCpuMsPerS: number;
  /** Restarts workerd with a schedule; resolves once the group has a leader. */
  readonly restart: (schedule: string) => Promise<{ peers: Peers; leader: NodeId }>;
  readonly log: (line: string) => void;
}

export interface SweepPoint {
  readonly schedule: string;
  readonly at: 'leader' | 'follower';
  readonly concurrency: number;
  readonly writes: number;
  readonly failed: number;
  readonly writes_per_s: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  /** workerd CPU (three peers and Miniflare's proxy) per write, net of the idle group's. */
  readonly workerd_cpu_ms_per_write: number;
}

interface Acc extends Samples {
  seconds: number;
}

const WARMUP_WRITES = 64;

export async function sweep(options: SweepOptions): Promise<SweepPoint[]> {
  const points: Array<{ at: 'leader' | 'follower'; concurrency: number }> = [
    ...options.concurrencies.map((concurrency) => ({ at: 'leader' as const, concurrency })),
    ...(options.followerConcurrency > 0
      ? [{ at: 'follower' as const, concurrency: options.followerConcurrency }]
      : []),
  ];
  const acc = new Map<string, Acc>();
  const keyOf = (schedule: string, at: string, c: number) => `${schedule}/${at}/${c}`;
  for (let r = 0; r < options.rounds; r++) {
    const n = options.schedules.length;
    const order = options.schedules.map((_, k) => options.schedules[(r + k) % n] as string);
    for (const schedule of order) {
      const { peers, leader } = await options.restart(schedule);
      const follower = PEERS.find((id) => id !== leader) as NodeId;
      const cpu = cpuMeter(); // a restart is a new workerd process
      const write = (at: NodeId, tag: string): Kind<{ ok: boolean }> => ({
        name: tag,
        call: (i) =>
          peers
            .stub(at)
            .propose(
              at,
              `${tag}-${i}`,
              routeSet(`sweep-${i % 16}`, `model-${i}`),
              options.timeoutMs,
            ),
        ok: (a) => a.ok,
      });
      // A new isolate: warm its JIT before timing anything.
      await concurrent(
        write(leader, `warm-${r}-${schedule}`),
        { concurrency: 8, maxCalls: WARMUP_WRITES, maxMs: 10_000 },
        cpu,
      );
      for (const point of points) {
        const at = point.at === 'leader' ? leader : follower;
        const tag = `sweep-${r}-${schedule}-${point.at}-${point.concurrency}`;
        const result = await concurrent(
          write(at, tag),
          {
            concurrency: point.concurrency,
            maxCalls: options.pointMaxCalls,
            maxMs: options.pointMs,
          },
          cpu,
        );
        const key = keyOf(schedule, point.at, point.concurrency);
        const into = acc.get(key) ?? {
          latenciesMs: [],
          errors: 0,
          workerdCpuMs: 0,
          nodeCpuMs: 0,
          wallMs: 0,
          seconds: 0,
        };
        into.latenciesMs.push(...result.latenciesMs);
        into.errors += result.errors;
        into.workerdCpuMs += result.workerdCpuMs;
        into.nodeCpuMs += result.nodeCpuMs;
        into.wallMs += result.wallMs;
        into.seconds += result.seconds;
        acc.set(key, into);
        options.log(
          `  round ${r + 1} RAFT_BATCH_MS=${schedule.padEnd(3)} ${point.at.padEnd(8)} c=${String(point.concurrency).padEnd(3)} ${round(result.latenciesMs.length / result.seconds, 0)} writes/s, p50 ${round(percentile(result.latenciesMs, 50), 1)} ms (${result.errors} failed)`,
        );
      }
    }
  }
  const out: SweepPoint[] = [];
  for (const schedule of options.schedules) {
    for (const point of points) {
      const a = acc.get(keyOf(schedule, point.at, point.concurrency));
      if (!a) continue;
      const writes = a.latenciesMs.length;
      const idle = (options.idleCpuMsPerS * a.wallMs) / 1000;
      out.push({
        schedule,
        at: point.at,
        concurrency: point.concurrency,
        writes,
        failed: a.errors,
        writes_per_s: round(writes / a.seconds, 0),
        p50_ms: round(percentile(a.latenciesMs, 50)),
        p99_ms: round(percentile(a.latenciesMs, 99)),
        workerd_cpu_ms_per_write: round((a.workerdCpuMs - idle) / Math.max(1, writes), 2),
      });
    }
  }
  return out;
}

/** The point for a schedule, place and concurrency, or one that says it was not measured. */
export function pointOf(
  points: readonly SweepPoint[],
  schedule: string,
  at: 'leader' | 'follower',
  concurrency: number,
): SweepPoint {
  const found = points.find(
    (p) => p.schedule === schedule && p.at === at && p.concurrency === concurrency,
  );
  if (!found) throw new Error(`no sweep point ${schedule}/${at}/c=${concurrency}`);
  return found;
}
