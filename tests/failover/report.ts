/**
 * Sums up a failover run: faults per kind, success rate while a backend was alive, duplicated and
 * lost tokens, broken invariants, and the timings (detection, the gap a client saw, the latency a
 * failover added against reference rounds without a fault). Pure over the harness's records.
 */
import { percentile, round } from '../../bench/gateway/stats.ts';
import type { RunResult } from './harness.ts';
import type { ChatRecord, FaultKind, FaultRecord } from './round.ts';

/** Faults after which a node is dead or unreachable: the sentinel must notice. */
const DEAD_KINDS: ReadonlySet<FaultKind> = new Set(['kill', 'stop', 'cut', 'blackhole']);
/** Faults that move a stream to another backend. */
const FAILOVER_KINDS: ReadonlySet<FaultKind> = new Set([
  'kill',
  'stop',
  'cut',
  'blackhole',
  'hang',
  'upstream',
]);

export interface Problem {
  readonly lane: number;
  readonly round: number;
  readonly kind: string;
  readonly role: string;
  readonly backend: string | null;
  readonly problems: readonly string[];
}

export interface Summary {
  readonly faults: number;
  readonly faults_by_kind: Record<string, number>;
  readonly rounds_skipped: number;
  readonly requests: number;
  /** Requests that succeeded or had a backend alive that could have served them to the end. */
  readonly requests_backend_alive: number;
  readonly successes: number;
  readonly success_rate: number | null;
  /** Explicit errors while a backend was alive: each is a miss of the success goal. */
  readonly errors_backend_alive: number;
  /** Requests that failed while no backend could serve them, and how many said so explicitly. */
  readonly requests_no_backend: number;
  readonly explicit_errors_no_backend: number;
  readonly duplicated_tokens: number;
  readonly lost_tokens: number;
  readonly reordered_tokens: number;
  /** Requests that broke an invariant (a silent truncation, a hang, two ids, a wrong text...). */
  readonly broken: number;
  /** Live nodes the edge stopped listing for good (Lane.stranded): must be 0. */
  readonly stranded_nodes: number;
  readonly streams_failed_over: number;
  readonly continuations: number;
  /** Fault → the sentinel lists the node as not healthy, over dead-node faults. */
  readonly detect_ms: number | null;
  readonly detect_p50_ms: number | null;
  readonly detect_max_ms: number | null;
  readonly detect_by_kind: Record<string, Stat>;
  /**
   * stop and blackhole faults listed 'suspect' while the node was silent, of those where the
   * sentinel's polls could see it; and those where they could not (polls too far apart).
   */
  readonly suspect_seen: string;
  readonly suspect_unobservable: number;
  /** Fault → the next chunk an affected stream got (chunks already on their way count). */
  readonly next_chunk_by_kind: Record<string, Stat>;
  /** The longest pause an affected stream showed its client after the fault. */
  readonly gap_by_kind: Record<string, Stat>;
  /** Stream time with a failover minus the reference stream time (p50), same max_tokens. */
  readonly failover_added_p50_ms: number | null;
  readonly failover_added_p99_ms: number | null;
  readonly failover_added_by_kind: Record<string, Stat>;
  readonly reference_p50_ms: number | null;
  readonly reference_p99_ms: number | null;
  readonly reference_streams: number;
  /** Fault → the lane serves again with every node healthy. */
  readonly back_p50_ms: number | null;
  readonly back_p99_ms: number | null;
  readonly edge_events: Readonly<Record<string, number>>;
  readonly duration_s: number;
  /** The first few broken requests, for the reader. */
  readonly first_problems: readonly Problem[];
}

export interface Stat {
  readonly n: number;
  readonly p50: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

const ms = (v: number): number | null => (Number.isFinite(v) ? round(v, 1) : null);

function stat(values: readonly number[]): Stat {
  return {
    n: values.length,
    p50: ms(percentile(values, 50)),
    p99: ms(percentile(values, 99)),
    max: ms(values.length === 0 ? Number.NaN : Math.max(...values)),
  };
}

function byKind<T>(
  items: readonly T[],
  kindOf: (t: T) => string,
  value: (t: T) => number | null,
): Record<string, Stat> {
  const groups = new Map<string, number[]>();
  for (const item of items) {
    const v = value(item);
    if (v === null) continue;
    const list = groups.get(kindOf(item)) ?? [];
    list.push(v);
    groups.set(kindOf(item), list);
  }
  return Object.fromEntries([...groups].sort().map(([k, list]) => [k, stat(list)]));
}

export function summarize(result: RunResult): Summary {
  const { chats, faults } = result;
  const alive = chats.filter((c) => c.backendAlive);
  const down = chats.filter((c) => !c.backendAlive);
  const successes = alive.filter((c) => c.verdict.ok).length;
  const broken = chats.filter((c) => c.verdict.problems.length > 0);
  const sum = (f: (c: ChatRecord) => number) => chats.reduce((n, c) => n + f(c), 0);

  const dead = faults.filter((f) => DEAD_KINDS.has(f.kind) && f.detectMs !== null);
  const detect = dead.map((f) => f.detectMs as number);
  const silent = faults.filter((f) => f.kind === 'stop' || f.kind === 'blackhole');

  // Reference: streams of rounds without a fault, by max_tokens.
  const reference = new Map<number, number[]>();
  for (const c of chats) {
    if (c.kind !== 'none' || !c.stream || !c.verdict.ok) continue;
    const list = reference.get(c.maxTokens) ?? [];
    list.push(c.durationMs);
    reference.set(c.maxTokens, list);
  }
  const added = chats.filter(
    (c) =>
      c.affected &&
      c.verdict.ok &&
      FAILOVER_KINDS.has(c.kind as FaultKind) &&
      reference.has(c.maxTokens),
  );
  const addedMs = (c: ChatRecord) =>
    c.durationMs - percentile(reference.get(c.maxTokens) ?? [], 50);
  const addedAll = added.map(addedMs);
  const refAll = [...reference.values()].flat();

  const faultsByKind: Record<string, number> = {};
  for (const f of faults) faultsByKind[f.kind] = (faultsByKind[f.kind] ?? 0) + 1;
  const back = faults.map((f: FaultRecord) => f.backMs);

  return {
    faults: faults.length,
    faults_by_kind: faultsByKind,
    rounds_skipped: result.skipped.length,
    requests: chats.length,
    requests_backend_alive: alive.length,
    successes,
    success_rate: alive.length === 0 ? null : round(successes / alive.length, 5),
    errors_backend_alive: alive.filter((c) => c.verdict.explicitError !== null).length,
    requests_no_backend: down.length,
    explicit_errors_no_backend: down.filter((c) => c.verdict.explicitError !== null).length,
    duplicated_tokens: sum((c) => c.verdict.audit.duplicated),
    lost_tokens: sum((c) => c.verdict.audit.lost),
    reordered_tokens: sum((c) => c.verdict.audit.reordered),
    broken: broken.length,
    stranded_nodes: result.stranded.length,
    streams_failed_over: chats.filter((c) => c.affected && FAILOVER_KINDS.has(c.kind as FaultKind))
      .length,
    continuations: result.continuations,
    detect_ms: ms(percentile(detect, 99)),
    detect_p50_ms: ms(percentile(detect, 50)),
    detect_max_ms: ms(detect.length === 0 ? Number.NaN : Math.max(...detect)),
    detect_by_kind: byKind(
      faults,
      (f) => f.kind,
      (f) => f.detectMs,
    ),
    suspect_seen: `${silent.filter((f) => f.suspectSeen === true).length}/${silent.filter((f) => f.suspectSeen !== null).length}`,
    suspect_unobservable: silent.filter((f) => f.suspectSeen === null).length,
    next_chunk_by_kind: byKind(
      chats,
      (c) => c.kind,
      (c) => c.nextChunkMs,
    ),
    gap_by_kind: byKind(
      chats,
      (c) => c.kind,
      (c) => c.gapMs,
    ),
    failover_added_p50_ms: ms(percentile(addedAll, 50)),
    failover_added_p99_ms: ms(percentile(addedAll, 99)),
    failover_added_by_kind: byKind(added, (c) => c.kind, addedMs),
    reference_p50_ms: ms(percentile(refAll, 50)),
    reference_p99_ms: ms(percentile(refAll, 99)),
    reference_streams: refAll.length,
    back_p50_ms: ms(percentile(back, 50)),
    back_p99_ms: ms(percentile(back, 99)),
    edge_events: result.edgeEvents,
    duration_s: round(result.durationMs / 1000, 1),
    first_problems: broken.slice(0, 20).map((c) => ({
      lane: c.lane,
      round: c.round,
      kind: c.kind,
      role: c.role,
      backend: c.backend,
      problems: c.verdict.problems,
    })),
  };
}

/** Explicit errors while a backend was alive, for the reader (the success-rate misses). */
export function misses(result: RunResult): Problem[] {
  return result.chats
    .filter((c) => c.backendAlive && !c.verdict.ok && c.verdict.problems.length === 0)
    .slice(0, 20)
    .map((c) => ({
      lane: c.lane,
      round: c.round,
      kind: c.kind,
      role: c.role,
      backend: c.backend,
      problems: [
        `explicit error ${c.verdict.explicitError ?? '?'}`,
        `breakers then: ${c.breakersAtError ?? 'unknown'}`,
      ],
    }));
}
