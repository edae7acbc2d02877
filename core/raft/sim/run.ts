// One seeded run: a cluster, a fault schedule, a client workload, then the checks. Same seed and
// options, same run, byte for byte.
import { checkHistory, formatViolation } from '../checker/linearizability.ts';
import type { Config } from '../config.ts';
import { SeededRand } from '../rand.ts';
import { Cluster, TICK } from './cluster.ts';
import { NONE } from '../types.ts';
import type { ClusterOptions } from './cluster.ts';
import { Nemesis } from './schedule.ts';
import { Workload } from './workload.ts';

export interface RunOptions {
  readonly seed: number;
  readonly nodes?: number;
  /** Ticks of faults and load, before the final healing phase. */
  readonly ticks?: number;
  readonly membership?: boolean;
  readonly transfers?: boolean;
  readonly raft?: Partial<Omit<Config, 'id' | 'storage' | 'rand' | 'applied'>>;
  readonly bugs?: ClusterOptions['bugs'];
  /** Mean ticks between fault actions (default 15). */
  readonly faultEvery?: number;
  /** Called after every time unit (tests use it to assert invariants). */
  readonly onStep?: (c: Cluster) => void;
}

export interface RunResult {
  readonly seed: number;
  readonly ops: number;
  readonly completed: number;
  readonly violation: string | null;
  /** Longest stretch without a leader while a connected, live majority existed (ticks). */
  readonly maxElectionTicks: number;
  /** Lengths of the periods without an available leader, in ticks. */
  readonly outages: readonly number[];
  readonly checkerGaveUp: boolean;
  /** After healing, a leader was available and clients completed operations again. */
  readonly recovered: boolean;
  /** A fingerprint of the run, to prove determinism. */
  readonly digest: string;
}

export function runSeed(o: RunOptions): RunResult {
  const rand = new SeededRand(o.seed * 2654435761);
  const knobs = rand.fork();
  const nodes = o.nodes ?? (knobs.chance(0.7) ? 3 : 5);
  const c = new Cluster({
    seed: rand.fork().intn(2 ** 31),
    nodes,
    faults: {
      drop: knobs.chance(0.5) ? 0 : knobs.next() * 0.1,
      duplicate: knobs.chance(0.5) ? 0 : knobs.next() * 0.05,
      minDelay: 1,
      maxDelay: 1 + knobs.intn(3 * TICK),
    },
    skew: 0.2,
    snapshotEvery: 8 + knobs.intn(40),
    compactionLag: knobs.intn(8),
    raft: {
      maxSizePerMsg: knobs.chance(0.3) ? 1 : 4096,
      maxInflightMsgs: 1 + knobs.intn(8),
      maxSnapshotChunkBytes: 64 + knobs.intn(512),
      ...o.raft,
    },
    ...(o.bugs ? { bugs: o.bugs } : {}),
  });
  const nemesis = new Nemesis(c, rand.fork(), {
    membership: o.membership ?? true,
    transfers: o.transfers ?? true,
    faultEvery: o.faultEvery ?? 15,
  });
  const work = new Workload(c, rand.fork(), {
    clients: 3 + knobs.intn(3),
    keys: 1 + knobs.intn(3),
    think: 3 * TICK,
  });
  const outages: number[] = [];
  let down = 0;
  let electing = 0;
  let maxElection = 0;
  const sample = (): void => {
    if (c.now % TICK !== 0) return;
    if (c.available()) {
      if (down > 0) outages.push(down);
      down = 0;
      electing = 0;
      return;
    }
    down++;
    // Time to elect while an election can succeed (a connected, live majority exists).
    if (c.healthyQuorum()) maxElection = Math.max(maxElection, ++electing);
    else electing = 0;
  };
  const faultUnits = (o.ticks ?? 300) * TICK;
  for (let i = 0; i < faultUnits; i++) {
    nemesis.step();
    work.step();
    c.step();
    o.onStep?.(c);
    sample();
  }
  nemesis.healAll();
  // Healing phase: the cluster must recover and keep serving.
  for (let i = 0; i < 60 * TICK; i++) {
    work.step();
    c.step();
    o.onStep?.(c);
    sample();
  }
  // Liveness probe: once healed, a write through the leader must complete within 150 ticks
  // (retried if a leadership change swallows it).
  work.stopped = true;
  let recovered = false;
  let probing = false;
  for (let i = 0; i < 150 * TICK && !recovered; i++) {
    const lead = c.availableLeader();
    if (!probing && lead !== NONE) {
      probing =
        c.invoke(1_000_000, lead, { kind: 'append', key: 'k0', value: ',probe' }, (op) => {
          probing = false;
          recovered = op.ret !== null;
        }) !== null;
    }
    c.step();
    o.onStep?.(c);
  }
  c.run(20 * TICK);
  c.settle();
  if (down > 0) outages.push(down);
  const logErrs = [...c.safetyErrors, ...c.checkLogs()];
  const res = checkHistory(c.checkableHistory());
  let violation: string | null = null;
  if (logErrs.length > 0) violation = `safety: ${logErrs.slice(0, 3).join('; ')}`;
  else if (res.violation) violation = formatViolation(res.violation);
  const completed = c.history.filter((h) => h.ret !== null).length;
  let h = 2166136261;
  const mix = (s: string): void => {
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  };
  for (const op of c.history) mix(`${op.id}:${op.call}:${op.ret}:${JSON.stringify(op.result)};`);
  mix(`${c.net.stats.messages}:${c.net.stats.bytes}`);
  return {
    seed: o.seed,
    ops: c.history.length,
    completed,
    violation,
    maxElectionTicks: maxElection,
    outages,
    checkerGaveUp: res.unknown,
    recovered,
    digest: h.toString(16),
  };
}

export interface Summary {
  seeds: number;
  ops: number;
  violations: number;
  max_election_ticks: number;
  unavailable_ticks_p99: number;
  checker_gave_up: number;
  unrecovered: number;
  first_violation_seed: number | null;
  first_unrecovered_seed: number | null;
}

export function summarize(results: readonly RunResult[]): Summary {
  const outages = results.flatMap((r) => r.outages).sort((a, b) => a - b);
  const p99 =
    outages.length === 0
      ? 0
      : (outages[Math.min(outages.length - 1, Math.floor(outages.length * 0.99))] as number);
  const bad = results.find((r) => r.violation !== null);
  return {
    seeds: results.length,
    ops: results.reduce((s, r) => s + r.ops, 0),
    violations: results.filter((r) => r.violation !== null).length,
    max_election_ticks: results.reduce((m, r) => Math.max(m, r.maxElectionTicks), 0),
    unavailable_ticks_p99: p99,
    checker_gave_up: results.filter((r) => r.checkerGaveUp).length,
    unrecovered: results.filter((r) => !r.recovered).length,
    first_violation_seed: bad ? bad.seed : null,
    first_unrecovered_seed: results.find((r) => !r.recovered)?.seed ?? null,
  };
}
