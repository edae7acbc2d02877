/**
 * The failover harness: the edge in workerd, a counting upstream stand-in, and lanes of counting
 * node processes (each behind its own proxy). Lanes run rounds side by side; each round injects
 * one fault (round.ts) until the run has injected the faults asked for. Returns every chat and
 * fault record; report.ts sums them up. Used by tests/failover.e2e.test.ts, soak.ts and
 * bench/failover.
 */
import { SeededRand } from '@proxima/core/raft';
import { endpoint } from './chat-client.ts';
import { startCountingUpstream, type CountingUpstream } from './counting-upstream.ts';
import { FailoverEdge } from './edge.ts';
import { Lane, laneModel, laneUpstream } from './lane.ts';
import { NodeProcess } from './node-process.ts';
import {
  runRound,
  type ChatRecord,
  type FaultKind,
  type FaultRecord,
  type RoundConfig,
  type RoundKind,
} from './round.ts';
import { TcpProxy } from './tcp-proxy.ts';

export interface HarnessOptions {
  /** Faults to inject in all, over all lanes. */
  readonly faults: number;
  /** Kinds to inject, each as often as its weight says (KIND_WEIGHTS). */
  readonly kinds: readonly FaultKind[];
  /** Rounds without a fault per block of kinds, per lane: the reference for latencies. */
  readonly referenceRounds: number;
  readonly lanes: number;
  readonly nodesPerLane: number;
  /** HEARTBEAT_MS: the sentinel's clock (suspect after 1.5 intervals, gone after 3). */
  readonly heartbeatMs: number;
  /** STREAM_STALL_MS; null: the edge's default. */
  readonly streamStallMs: number | null;
  /** STREAM_CONTINUATIONS; null: the edge's default. */
  readonly continuations: number | null;
  readonly slots: number;
  /** The nodes' reconnect backoff. */
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  readonly seed: number;
  readonly round: RoundConfig;
  /** A line per round and the run's milestones. */
  readonly progress?: (line: string) => void;
  /** Every line of the edge and the nodes (very many). */
  readonly verbose?: (line: string) => void;
}

export interface RunResult {
  readonly faults: readonly FaultRecord[];
  readonly chats: readonly ChatRecord[];
  /** Rounds that injected nothing, and why. */
  readonly skipped: readonly string[];
  /** Failover events the edge logged, by name. */
  readonly edgeEvents: Readonly<Record<string, number>>;
  /** Jobs the nodes' engines started as continuations of a prefix. */
  readonly continuations: number;
  /** Nodes found stranded (welcomed, beating, unlisted: Lane.stranded), in order. */
  readonly stranded: readonly string[];
  readonly durationMs: number;
}

/** How often each kind comes up in a block of rounds. */
export const KIND_WEIGHTS: Readonly<Record<FaultKind, number>> = {
  kill: 2,
  stop: 2,
  cut: 2,
  blackhole: 2,
  slow: 1,
  hang: 1,
  upstream: 2,
  all_down: 1,
};

export async function runFailover(options: HarnessOptions): Promise<RunResult> {
  validate(options);
  const progress = options.progress ?? (() => undefined);
  const started = performance.now();
  const upstream = await startCountingUpstream(options.round.tokenDelayMs);
  const nodes: NodeProcess[] = [];
  const proxies: TcpProxy[] = [];
  let edge: FailoverEdge | undefined;
  try {
    edge = await FailoverEdge.start({
      heartbeatMs: options.heartbeatMs,
      bindings: edgeBindings(options, upstream),
      ...(options.verbose ? { onLine: (l: string) => options.verbose?.(`edge ${l}`) } : {}),
    });
    const port = Number(new URL(edge.url).port);
    const lanes: Lane[] = [];
    for (let l = 0; l < options.lanes; l++) {
      const laneNodes: NodeProcess[] = [];
      for (let j = 0; j < options.nodesPerLane; j++) {
        const proxy = await TcpProxy.start({ host: '127.0.0.1', port });
        proxies.push(proxy);
        const nodeId = `lane${l}-n${j}`;
        const node = new NodeProcess({
          nodeId,
          model: laneModel(l),
          token: await edge.nodeToken(nodeId),
          proxy,
          tokenDelayMs: options.round.tokenDelayMs,
          slots: options.slots,
          backoffMs: options.backoff.baseMs,
          backoffMaxMs: options.backoff.maxMs,
          ...(options.verbose
            ? { onLine: (id: string, line: string) => options.verbose?.(`${id} ${line}`) }
            : {}),
        });
        node.start();
        laneNodes.push(node);
        nodes.push(node);
      }
      const lane = new Lane(l, laneNodes, edge, upstream, options.heartbeatMs, (nodeId) =>
        progress(
          `STRANDED ${nodeId}: welcomed and beating, but the edge has not listed it for long; restarted`,
        ),
      );
      lanes.push(lane);
      // One lane at a time: a dozen Node processes starting at once starve each other's heartbeats.
      await lane.ready(120_000);
    }
    progress(
      `fleet up in ${Math.round(performance.now() - started)} ms: ${options.lanes} lanes × ${options.nodesPerLane} nodes, heartbeat ${options.heartbeatMs} ms`,
    );

    const api = endpoint(edge.url, edge.apiKey);
    const faults: FaultRecord[] = [];
    const chats: ChatRecord[] = [];
    const skipped: string[] = [];
    const runStart = performance.now();
    const root = new SeededRand(options.seed);
    let claimed = 0;
    const laneLoop = async (lane: Lane, rng: SeededRand) => {
      let block: RoundKind[] = [];
      for (let round = 0; ; round++) {
        if (block.length === 0) block = scheduleBlock(options, rng);
        const kind = block.shift() ?? 'none';
        if (claimed >= options.faults) return;
        if (kind !== 'none') claimed++;
        const result = await runRound(
          { lane, api, config: options.round, rng, runStart },
          round,
          kind,
        );
        chats.push(...result.chats);
        if (result.fault) faults.push(result.fault);
        else if (kind !== 'none') claimed--; // nothing injected: the fault is still owed
        if (result.skipped !== null) {
          skipped.push(`lane ${lane.index} round ${round} ${kind}: ${result.skipped}`);
          if (skipped.length > options.faults + 20)
            throw new Error(`too many rounds injected nothing; last: ${result.skipped}`);
        }
        progress(roundLine(lane.index, round, kind, result.fault, result.skipped, faults.length));
      }
    };
    await Promise.all(lanes.map((lane) => laneLoop(lane, root.fork())));
    return {
      faults,
      chats,
      skipped,
      edgeEvents: Object.fromEntries(edge.events),
      continuations: nodes.reduce((n, node) => n + node.continuations, 0),
      stranded: lanes.flatMap((lane) => lane.stranded),
      durationMs: performance.now() - started,
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await Promise.all(proxies.map((p) => p.close()));
    await edge?.stop();
    await upstream.close();
  }
}

function edgeBindings(options: HarnessOptions, upstream: CountingUpstream): Record<string, string> {
  const upstreams = Array.from({ length: options.lanes }, (_, l) => ({
    name: laneUpstream(l),
    baseUrl: upstream.baseUrl(laneUpstream(l)),
    models: { [laneModel(l)]: laneModel(l) },
    costPer1kTokens: 1,
    priority: 0,
    maxConcurrent: 64,
  }));
  return {
    EXPOSE_BACKEND_HEADER: 'true',
    UPSTREAMS: JSON.stringify(upstreams),
    ...(options.streamStallMs === null ? {} : { STREAM_STALL_MS: String(options.streamStallMs) }),
    ...(options.continuations === null
      ? {}
      : { STREAM_CONTINUATIONS: String(options.continuations) }),
  };
}

/** One block of rounds: each kind as often as its weight, and the reference rounds, shuffled. */
function scheduleBlock(options: HarnessOptions, rng: SeededRand): RoundKind[] {
  const block: RoundKind[] = [];
  for (const kind of options.kinds) for (let i = 0; i < KIND_WEIGHTS[kind]; i++) block.push(kind);
  for (let i = 0; i < options.referenceRounds; i++) block.push('none');
  for (let i = block.length - 1; i > 0; i--) {
    const j = rng.intn(i + 1);
    [block[i], block[j]] = [block[j] as RoundKind, block[i] as RoundKind];
  }
  return block;
}

function roundLine(
  lane: number,
  round: number,
  kind: RoundKind,
  fault: FaultRecord | null,
  skipped: string | null,
  total: number,
): string {
  const head = `[${total}] lane ${lane} round ${round} ${kind}`;
  if (skipped !== null) return `${head}: skipped (${skipped})`;
  if (!fault) return head;
  const parts = [
    fault.nodeId ?? 'upstream',
    fault.variant,
    fault.detectMs === null ? null : `detect ${Math.round(fault.detectMs)} ms`,
    fault.kind !== 'stop' && fault.kind !== 'blackhole'
      ? null
      : fault.suspectSeen === null
        ? 'suspect unobservable (polls too far apart)'
        : fault.suspectSeen
          ? 'suspect seen'
          : 'SUSPECT NOT SEEN',
    `${fault.affected} affected`,
    `back ${Math.round(fault.backMs)} ms`,
  ];
  return `${head}: ${parts.filter((p) => p !== null).join(', ')}`;
}

function validate(o: HarnessOptions): void {
  const positive = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be an integer ≥ 1, got ${v}`);
  };
  positive('faults', o.faults);
  positive('lanes', o.lanes);
  positive('heartbeatMs', o.heartbeatMs);
  if (!Number.isInteger(o.nodesPerLane) || o.nodesPerLane < 2)
    throw new Error(
      `nodesPerLane must be ≥ 2 (a stream needs somewhere to go), got ${o.nodesPerLane}`,
    );
  if (o.kinds.length === 0) throw new Error('no fault kinds');
  if (o.round.streams < 1) throw new Error('a round needs at least one stream');
  if (o.round.otherTokens[0] < 1 || o.round.otherTokens[1] < o.round.otherTokens[0])
    throw new Error(
      `otherTokens must be [min ≥ 1, max ≥ min], got ${o.round.otherTokens.join(',')}`,
    );
  if (o.round.targetTokens < 8) throw new Error('targetTokens must be ≥ 8 to cut mid-way');
}
