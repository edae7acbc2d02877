/**
 * One round of the failover harness in one lane: start a few concurrent chats (streamed and
 * whole), wait until the target stream is mid-way, inject one fault on the backend serving it,
 * restore, and record what every chat got and how long each step took. Judging the chats is
 * verify.ts's job; summing up is report.ts's.
 */
import type { SeededRand } from '@proxima/core/raft';
import { LiveChat, type ChatSpec, type Chunk, type Endpoint } from './chat-client.ts';
import type { NodeStatus } from './edge.ts';
import type { Lane } from './lane.ts';
import type { NodeProcess } from './node-process.ts';
import { watchSentinel, type SentinelWatch } from './sentinel-watch.ts';
import { judge, type Verdict } from './verify.ts';

export const FAULT_KINDS = [
  'kill', // SIGKILL the node mid-stream, then start it again
  'stop', // SIGSTOP it (a stall: its socket stays open), SIGCONT after the failover
  'cut', // reset its connection (RST both ways); it reconnects by itself
  'blackhole', // its connection goes silent (nothing passes, nothing closes)
  'slow', // its tokens come much slower, below the stall timeout: no failover, exact answer
  'hang', // its engine stops producing while it keeps beating: STREAM_STALL_MS decides
  'upstream', // the stream starts on an upstream that is cut mid-way; a node carries it on
  'all_down', // every backend of the model dies: explicit errors, never a hang or a truncation
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
/** 'none': a reference round without a fault, for latency comparisons. */
export type RoundKind = FaultKind | 'none';

export interface RoundConfig {
  readonly tokenDelayMs: number;
  readonly slowTokenDelayMs: number;
  /** Streams per round, the target included. */
  readonly streams: number;
  /** Whole (non-streamed) chats per round (none in 'hang' rounds: see hang()). */
  readonly wholes: number;
  /** max_tokens of the target stream. */
  readonly targetTokens: number;
  /** max_tokens of the other chats: [min, max]. */
  readonly otherTokens: readonly [number, number];
  /** Some other chats ask for a natural stop (finish 'stop') before their budget. */
  readonly naturalStops: boolean;
  /** Per chat: past it, the chat is a hang. */
  readonly chatDeadlineMs: number;
  readonly readyTimeoutMs: number;
  readonly detectTimeoutMs: number;
  /** The edge's HEARTBEAT_MS: how long a silent node is listed suspect. */
  readonly heartbeatMs: number;
}

export interface ChatRecord {
  readonly lane: number;
  readonly round: number;
  readonly kind: RoundKind;
  readonly role: 'target' | 'stream' | 'whole' | 'while_down';
  readonly stream: boolean;
  readonly maxTokens: number;
  readonly backend: string | null;
  /**
   * Some backend could serve it to the end: false when it did not succeed while every backend was
   * down (all_down), or before the lane's nodes were back (upstream rounds).
   */
  readonly backendAlive: boolean;
  /** It was on the faulted backend and not finished when the fault came. */
  readonly affected: boolean;
  /** Fault → the next chunk this stream received (affected streams that went on). */
  readonly nextChunkMs: number | null;
  /**
   * The longest pause the client saw from the fault to the stream's end (affected streams that
   * went on): chunks already on their way arrive after a fault, so the first one says little.
   */
  readonly gapMs: number | null;
  readonly durationMs: number;
  readonly verdict: Verdict;
  /**
   * When it ended in an explicit error: the breakers of the lane's backends just then
   * (GET /admin/routing), to tell a breaker that held a live node out from a real outage.
   */
  readonly breakersAtError: string | null;
}

export interface FaultRecord {
  readonly kind: FaultKind;
  /** all_down: how the nodes went ('kill' or 'stop'). */
  readonly variant: string | null;
  readonly lane: number;
  readonly round: number;
  readonly nodeId: string | null;
  /** When it was injected, ms since the run began. */
  readonly atMs: number;
  /** Fault → the sentinel no longer lists the node healthy (dead-node kinds). */
  readonly detectMs: number | null;
  /**
   * stop, blackhole: it was listed 'suspect' while silent; null for other kinds, and when the
   * sentinel's polls were too far apart to see it (SentinelWatch.suspectSeen).
   */
  readonly suspectSeen: boolean | null;
  readonly sentinel: readonly string[];
  /** Streams that were on the faulted backend and still running. */
  readonly affected: number;
  /** Fault → the lane serves again with every node healthy. */
  readonly backMs: number;
  /** upstream: streams the stand-in cut. */
  readonly upstreamCut: number | null;
}

export interface RoundResult {
  readonly fault: FaultRecord | null;
  readonly chats: readonly ChatRecord[];
  /** Why no fault was injected (the target ended first, or did not start where expected). */
  readonly skipped: string | null;
}

export interface RoundContext {
  readonly lane: Lane;
  readonly api: Endpoint;
  readonly config: RoundConfig;
  readonly rng: SeededRand;
  /** performance.now() when the run began. */
  readonly runStart: number;
}

interface Injected {
  readonly t0: number;
  readonly nodeId: string | null;
  readonly variant: string | null;
  readonly watch: SentinelWatch | null;
  readonly upstreamCut: number | null;
  /** Chats the fault itself started (the request sent while every backend is down). */
  readonly extra: readonly LiveChat[];
}

interface Faulted {
  readonly ctx: RoundContext;
  readonly node: NodeProcess;
  /** The sentinel's view just before the round: each node's session then. */
  readonly before: ReadonlyMap<string, NodeStatus>;
  readonly target: LiveChat;
  readonly chats: readonly LiveChat[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runRound(
  ctx: RoundContext,
  round: number,
  kind: RoundKind,
): Promise<RoundResult> {
  const { lane, config, rng } = ctx;
  const statuses = await lane.ready(config.readyTimeoutMs);
  if (kind === 'upstream') await lane.isolate(config.readyTimeoutMs);
  const specs = chatSpecs(ctx, round, kind);
  const chats = specs.map((spec) => new LiveChat(ctx.api, lane.model, spec, config.chatDeadlineMs));
  const watchers = chats.map((chat) => breakersAtError(lane, chat));
  const target = chats[0];
  if (!target) throw new Error('a round needs at least one stream');

  let injected: Injected | null = null;
  let skipped: string | null = null;
  /** Upstream rounds: until then, no node could continue a stream (they were off on purpose). */
  let nodesBackAt = -Infinity;
  try {
    if (kind !== 'none') {
      const head = await target.headers;
      const where = kind === 'upstream' ? `upstream:${lane.upstreamName}` : 'node:';
      const nodeId = head.backend?.startsWith('node:') ? head.backend.slice(5) : null;
      const node = nodeId === null ? undefined : lane.node(nodeId);
      const k = 2 + rng.intn(Math.max(1, Math.floor(target.spec.maxTokens / 4)));
      if (head.status !== 200 || !head.backend?.startsWith(where)) {
        const now = await lane.edge.nodes();
        const view = lane.nodes.map((n) => {
          const st = now.get(n.nodeId);
          return `${n.nodeId} ${st?.health ?? 'off'} ${st?.load?.inFlight ?? '-'}/${st?.load?.queued ?? '-'}`;
        });
        skipped = `the target got ${head.status} from ${head.backend ?? 'no backend'} (${view.join(', ')})`;
      } else if (!(await target.whenChunks(k))) {
        skipped = `the target ended before chunk ${k}`;
      } else if (kind === 'upstream') {
        const cutNow = await upstreamCut(ctx, target);
        if (cutNow.upstreamCut === 0) skipped = 'the upstream stream ended before the cut';
        else injected = cutNow;
      } else if (!node) {
        skipped = `no node ${nodeId ?? '?'} in lane ${lane.index}`;
      } else {
        const f: Faulted = { ctx, node, before: statuses, target, chats };
        injected = await inject(kind, f);
      }
    }
  } finally {
    if (kind === 'upstream') {
      lane.rejoin(); // however the round went
      if (injected === null) await lane.anyHealthy(config.readyTimeoutMs);
      nodesBackAt = injected?.t0 ?? performance.now();
    }
  }

  const outcomes = await Promise.all(chats.map((c) => c.result));
  const breakers = await Promise.all(watchers);
  const extra = await Promise.all((injected?.extra ?? []).map((c) => c.result));
  let backMs = 0;
  if (injected) {
    await lane.ready(config.readyTimeoutMs);
    if (kind === 'all_down') await servesAgain(ctx);
    backMs = performance.now() - injected.t0;
  }

  const t0 = injected?.t0 ?? Infinity;
  const faultedBackend =
    kind === 'upstream' ? `upstream:${lane.upstreamName}` : `node:${injected?.nodeId ?? ''}`;
  const records: ChatRecord[] = outcomes.map((o, i) => {
    const onFaulted = injected !== null && (kind === 'all_down' || o.backend === faultedBackend);
    const affected = onFaulted && o.spec.stream && o.endedAt > t0 && o.chunks.length > 0;
    const verdict = judge(o);
    // Ended while nothing could carry it on: every backend down, or (upstream rounds) before the
    // lane's nodes were back. An explicit error is then the right answer, not a miss.
    const noBackend =
      (injected !== null && kind === 'all_down' && o.endedAt > t0) || o.endedAt < nodesBackAt;
    return {
      lane: lane.index,
      round,
      kind,
      role: i === 0 ? 'target' : o.spec.stream ? 'stream' : 'whole',
      stream: o.spec.stream,
      maxTokens: o.spec.maxTokens,
      backend: o.backend,
      backendAlive: verdict.ok || !noBackend,
      affected,
      nextChunkMs: affected ? nextChunk(t0, o.chunks) : null,
      gapMs: affected && verdict.ok ? longestPause(t0, o.chunks, o.endedAt) : null,
      durationMs: o.endedAt - o.startedAt,
      verdict,
      breakersAtError: breakers[i] ?? null,
    };
  });
  for (const o of extra) {
    records.push({
      lane: lane.index,
      round,
      kind,
      role: 'while_down',
      stream: o.spec.stream,
      maxTokens: o.spec.maxTokens,
      backend: o.backend,
      backendAlive: false,
      affected: false,
      nextChunkMs: null,
      gapMs: null,
      durationMs: o.endedAt - o.startedAt,
      verdict: judge(o),
      breakersAtError: null,
    });
  }
  const fault: FaultRecord | null =
    injected === null || kind === 'none'
      ? null
      : {
          kind,
          variant: injected.variant,
          lane: lane.index,
          round,
          nodeId: injected.nodeId,
          atMs: injected.t0 - ctx.runStart,
          detectMs: injected.watch?.detectMs ?? null,
          suspectSeen:
            kind === 'stop' || kind === 'blackhole' ? (injected.watch?.suspectSeen ?? null) : null,
          sentinel: injected.watch?.states ?? [],
          affected: records.filter((r) => r.affected).length,
          backMs,
          upstreamCut: injected.upstreamCut,
        };
  return { fault, chats: records, skipped };
}

/** The lane's breakers as the edge saw them right when the chat ended in an error; else null. */
async function breakersAtError(lane: Lane, chat: LiveChat): Promise<string | null> {
  const o = await chat.result;
  if (o.error === null) return null;
  const all = await lane.edge.breakers();
  if (all === null) return null;
  const mine = [...all].filter(
    ([id]) => id.startsWith(`lane${lane.index}-`) || id === `upstream:${lane.upstreamName}`,
  );
  return mine.map(([id, phase]) => `${id} ${phase}`).join(', ');
}

function nextChunk(from: number, chunks: readonly Chunk[]): number | null {
  const next = chunks.find((c) => c.at >= from);
  return next ? next.at - from : null;
}

/** The longest time without a chunk from `from` to `end`. */
function longestPause(from: number, chunks: readonly Chunk[], end: number): number {
  let longest = 0;
  let last = from;
  for (const c of chunks) {
    if (c.at < from) continue;
    longest = Math.max(longest, c.at - last);
    last = c.at;
  }
  return Math.max(longest, end - last);
}

/** The round's chats: the target stream first, then other streams, then whole chats. */
function chatSpecs(ctx: RoundContext, round: number, kind: RoundKind): ChatSpec[] {
  const { config, rng, lane } = ctx;
  const specs: ChatSpec[] = [];
  const prompt = (i: number, stop: number | null) =>
    [
      { role: 'system', content: 'You count.' },
      {
        role: 'user',
        content: `lane ${lane.index} round ${round} chat ${i}${stop === null ? '' : ` stop=${stop}`}`,
      },
    ] as const;
  // An upstream round's target must outlast the nodes' return before the cut.
  const targetTokens = kind === 'upstream' ? config.targetTokens * 2 : config.targetTokens;
  specs.push({
    messages: prompt(0, null),
    maxTokens: targetTokens,
    stream: true,
    includeUsage: rng.chance(0.5),
  });
  const [lo, hi] = config.otherTokens;
  const wholes = kind === 'hang' ? 0 : config.wholes;
  for (let i = 1; i < config.streams + wholes; i++) {
    // A reference round also times a stream as long as an upstream round's target.
    const maxTokens =
      kind === 'none' && i === 1 ? config.targetTokens * 2 : lo + rng.intn(hi - lo + 1);
    const stop = config.naturalStops && rng.chance(0.25) ? 1 + rng.intn(maxTokens) : null;
    specs.push({
      messages: prompt(i, stop),
      maxTokens,
      stream: i < config.streams,
      includeUsage: rng.chance(0.5),
    });
  }
  return specs;
}

async function inject(kind: Exclude<FaultKind, 'upstream'>, f: Faulted): Promise<Injected> {
  switch (kind) {
    case 'kill':
      return kill(f);
    case 'stop':
      return stop(f);
    case 'cut':
      return cut(f);
    case 'blackhole':
      return blackhole(f);
    case 'slow':
      return slow(f);
    case 'hang':
      return hang(f);
    case 'all_down':
      return allDown(f);
  }
}

function watch(f: Faulted, node: NodeProcess, t0: number): Promise<SentinelWatch> {
  const session = f.before.get(node.nodeId)?.session ?? -1;
  const { heartbeatMs, detectTimeoutMs } = f.ctx.config;
  return watchSentinel(f.ctx.lane.edge, node.nodeId, session, t0, heartbeatMs, detectTimeoutMs);
}

function injected(
  t0: number,
  nodeId: string | null,
  watched: SentinelWatch | null,
  rest: Partial<Pick<Injected, 'variant' | 'upstreamCut' | 'extra'>> = {},
): Injected {
  return {
    t0,
    nodeId,
    watch: watched,
    variant: rest.variant ?? null,
    upstreamCut: rest.upstreamCut ?? null,
    extra: rest.extra ?? [],
  };
}

async function kill(f: Faulted): Promise<Injected> {
  const t0 = performance.now();
  f.node.signal('SIGKILL');
  const watched = await watch(f, f.node, t0);
  await f.node.respawn();
  return injected(t0, f.node.nodeId, watched);
}

async function stop(f: Faulted): Promise<Injected> {
  const t0 = performance.now();
  f.node.signal('SIGSTOP');
  const watched = await watch(f, f.node, t0);
  // Frozen until the stream has moved on: the failover must not need the node back.
  await f.target.chunkAfter(t0);
  f.node.signal('SIGCONT');
  return injected(t0, f.node.nodeId, watched);
}

async function cut(f: Faulted): Promise<Injected> {
  const t0 = performance.now();
  f.node.proxy.cut();
  const watched = await watch(f, f.node, t0);
  return injected(t0, f.node.nodeId, watched);
}

async function blackhole(f: Faulted): Promise<Injected> {
  const t0 = performance.now();
  f.node.proxy.blackhole();
  const watched = await watch(f, f.node, t0);
  await f.target.chunkAfter(t0);
  // The node never heard a thing: reset its connection so it dials again. Both in one tick, so no
  // byte passes between them and a redial is not swallowed by the blackhole.
  f.node.proxy.forward();
  f.node.proxy.cut();
  return injected(t0, f.node.nodeId, watched);
}

async function slow(f: Faulted): Promise<Injected> {
  const t0 = performance.now();
  f.node.control(`slow ${f.ctx.config.slowTokenDelayMs}`);
  await Promise.all(f.chats.map((c) => c.result));
  f.node.control('normal');
  return injected(t0, f.node.nodeId, null);
}

/**
 * The engine stops producing; the node keeps beating, so only the edge's STREAM_STALL_MS ends
 * the wait. (Hang rounds send no whole chats: a whole job on a hung engine waits for
 * JOB_IDLE_TIMEOUT_MS, default 120 s, and then fails; that is not what is tested here.)
 */
async function hang(f: Faulted): Promise<Injected> {
  const t0 = performance.now();
  f.node.control('hang');
  await f.target.chunkAfter(t0);
  f.node.control('normal');
  return injected(t0, f.node.nodeId, null);
}

/**
 * Every backend of the lane's model goes: its upstream answers 503 and every node is killed or
 * stopped. Streams in flight must end with an error event; a request sent then must get an
 * explicit error too. Then everything comes back.
 */
async function allDown(f: Faulted): Promise<Injected> {
  const { lane, api, config, rng } = f.ctx;
  const variant = rng.chance(0.5) ? 'kill' : 'stop';
  lane.upstream.setDown(lane.upstreamName, true);
  const t0 = performance.now();
  for (const n of lane.nodes) n.signal(variant === 'kill' ? 'SIGKILL' : 'SIGSTOP');
  const watches = await Promise.all(lane.nodes.map((n) => watch(f, n, t0)));
  await Promise.all(f.chats.map((c) => c.result));
  const whileDown = new LiveChat(
    api,
    lane.model,
    {
      messages: [{ role: 'user', content: `lane ${lane.index} while down` }],
      maxTokens: 8,
      stream: true,
      includeUsage: false,
    },
    config.chatDeadlineMs,
  );
  await whileDown.result;
  if (variant === 'kill') await Promise.all(lane.nodes.map((n) => n.respawn()));
  else for (const n of lane.nodes) n.signal('SIGCONT');
  lane.upstream.setDown(lane.upstreamName, false);
  const mine = watches[lane.nodes.indexOf(f.node)] ?? null;
  return injected(t0, f.node.nodeId, mine, { variant, extra: [whileDown] });
}

/**
 * The target began on the upstream while the lane's nodes were off the edge. Let the nodes back,
 * wait until one is listed healthy, then cut the upstream's streams: the rest must come from a
 * node.
 */
async function upstreamCut(ctx: RoundContext, target: LiveChat): Promise<Injected> {
  const { lane, config } = ctx;
  lane.rejoin();
  await lane.anyHealthy(config.readyTimeoutMs);
  const t0 = performance.now();
  const n = target.isEnded ? 0 : lane.upstream.cut(lane.upstreamName);
  return injected(t0, null, null, { upstreamCut: n });
}

/** After every backend came back: the lane serves from a node again (breakers may hold it out). */
async function servesAgain(ctx: RoundContext): Promise<void> {
  const { lane, api, config } = ctx;
  const deadline = performance.now() + config.readyTimeoutMs;
  for (let i = 0; ; i++) {
    const probe = new LiveChat(
      api,
      lane.model,
      {
        messages: [{ role: 'user', content: `lane ${lane.index} probe ${i}` }],
        maxTokens: 2,
        stream: false,
        includeUsage: false,
      },
      config.chatDeadlineMs,
    );
    const o = await probe.result;
    if (judge(o).ok && o.backend?.startsWith('node:')) return;
    if (performance.now() > deadline) {
      const last = `${o.status} from ${o.backend ?? '-'}: ${o.error?.code ?? o.transport ?? 'ok'}`;
      throw new Error(
        `lane ${lane.index}: no node serves ${config.readyTimeoutMs} ms after all_down (last probe ${last})`,
      );
    }
    await sleep(250);
  }
}
