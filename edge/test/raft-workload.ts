// A concurrent register workload against the real RaftPeer objects, recorded in the history format
// of core/raft/checker: route.set is a put of the alias, readRoute a get of it.
import { SeededRand, type NodeId } from '@proxima/core/raft';
import type { ApplyResult } from '@proxima/core/registry';
import type { Operation } from '../../core/raft/checker/history.ts';
import type { KvOp, KvResult } from '../../core/raft/sim/kv.ts';
import type { ReadMode } from '../src/raft/peer/raft-peer.ts';
import { peers, routeSet, sleep, stub } from './raft-group.ts';

/**
 * The operations clients saw, in the checker's format. Times are a logical clock read in this
 * isolate as each call leaves and each answer arrives: an answer observed before a call was made
 * is ordered before it, which is the real-time order linearizability asks for (workerd's coarse
 * Date.now() would make such pairs look concurrent).
 */
export class History {
  readonly ops: Operation[] = [];
  private clock = 0;

  now(): number {
    return ++this.clock;
  }

  record(client: number, op: KvOp, call: number, ret: number | null, result: KvResult): void {
    this.ops.push({ id: this.ops.length + 1, client, op, call, ret, result });
  }

  get indeterminate(): number {
    return this.ops.filter((o) => o.ret === null).length;
  }
}

export interface ClientOptions {
  /** Prefix of proposal ids and written values, unique per run within a test file. */
  readonly tag: string;
  readonly history: History;
  readonly rand: SeededRand;
  /** Per-call timeout passed to the peer. */
  readonly attemptMs: number;
  /** An operation retried this long without an answer is recorded as indeterminate. */
  readonly opMs: number;
}

/** One workload client: a put or a get at a time, each retried at random peers until answered. */
export class RegisterClient {
  private readonly options: ClientOptions;
  private readonly client: number;
  private seq = 0;

  constructor(client: number, options: ClientOptions) {
    this.client = client;
    this.options = options;
  }

  private randomPeer(among: readonly NodeId[] = peers): NodeId {
    return among[this.options.rand.intn(among.length)] as NodeId;
  }

  /**
   * route.set of a fresh value, at random peers, retried under the same proposal id (so it applies
   * at most once) on a timeout, a refusal or a failed call. Returns the value written, or null
   * when no attempt was answered (the write may still apply later: recorded as indeterminate).
   */
  async put(alias: string, among: readonly NodeId[] = peers): Promise<string | null> {
    const { tag, history, attemptMs, opMs } = this.options;
    const n = ++this.seq;
    const value = `${tag}-v${this.client}.${n}`;
    const id = `${tag}-c${this.client}.${n}`;
    const command = routeSet(alias, value);
    const op: KvOp = { kind: 'put', key: alias, value };
    const call = history.now();
    const deadline = Date.now() + opMs;
    while (Date.now() < deadline) {
      const peer = this.randomPeer(among);
      const outcome = await stub(peer)
        .propose(peer, id, command, attemptMs)
        .catch(() => null);
      if (outcome?.ok) {
        // Over RPC the result's type is erased to unknown: it is the registry's ApplyResult.
        if ('result' in outcome && !(outcome.result as ApplyResult<unknown>).ok)
          throw new Error(`route.set ${alias} refused: ${JSON.stringify(outcome.result)}`);
        history.record(this.client, op, call, history.now(), {});
        return value;
      }
      if (outcome?.reason !== 'timeout') await sleep(20 + this.options.rand.intn(30));
    }
    history.record(this.client, op, call, null, {});
    return null;
  }

  /** readRoute at random peers in `mode`, retried until answered; null when none answered. */
  async get(
    alias: string,
    mode: ReadMode,
    among: readonly NodeId[] = peers,
    attempts = Infinity,
  ): Promise<{ value: string | null } | null> {
    const { history, attemptMs, opMs } = this.options;
    const op: KvOp = { kind: 'get', key: alias };
    const call = history.now();
    const deadline = Date.now() + opMs;
    for (let attempt = 0; attempt < attempts && Date.now() < deadline; attempt++) {
      const peer = this.randomPeer(among);
      const read = await stub(peer)
        .readRoute(peer, alias, attemptMs, mode)
        .catch(() => null);
      if (read?.ok) {
        const result = { value: read.value };
        history.record(this.client, op, call, history.now(), result);
        return result;
      }
      if (read === null) await sleep(20 + this.options.rand.intn(30));
    }
    history.record(this.client, op, call, null, {});
    return null;
  }
}

export interface WorkloadOptions extends Omit<ClientOptions, 'rand'> {
  readonly seed: number;
  readonly clients: number;
  readonly opsPerClient: number;
  readonly aliases: readonly string[];
  readonly readMode: ReadMode;
  /** Share of operations that are writes. */
  readonly writes: number;
}

/** Runs the clients in parallel to completion; each op is a random put or get of a random alias. */
export async function runClients(options: WorkloadOptions): Promise<void> {
  const rand = new SeededRand(options.seed);
  await Promise.all(
    Array.from({ length: options.clients }, async (_, i) => {
      // Separate streams: the ops a client runs replay from the seed whatever its retries drew.
      const ops = rand.fork();
      const client = new RegisterClient(i + 1, { ...options, rand: rand.fork() });
      for (let k = 0; k < options.opsPerClient; k++) {
        const alias = options.aliases[ops.intn(options.aliases.length)] as string;
        if (ops.chance(options.writes)) await client.put(alias);
        else await client.get(alias, options.readMode);
      }
    }),
  );
}
