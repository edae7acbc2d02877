/**
 * The RaftPeer objects as the bench sees them from Node: Miniflare proxy stubs for raft-1..raft-3,
 * the RPC surface it calls, and helpers that copy what it needs out of an answer.
 *
 * An RPC answer is not a plain object here. workerd attaches a disposer to it, so Miniflare's proxy
 * keeps the answer in workerd and hands Node a proxy; `structuredClone` refuses it, and every field
 * read is one more blocking round trip to workerd. The bench times the RPC itself, then reads the
 * one or two fields it needs.
 */
import { performance } from 'node:perf_hooks';
import type { NodeId } from '@proxima/core/raft';
import { encodeCommand } from '@proxima/core/registry';
import type { Proposed, Read } from '../../edge/src/raft/peer/host.ts';

export const PEERS: readonly NodeId[] = [1, 2, 3];

/** edge/src/raft/peer/faults.ts's FaultSpec (that module imports Worker types this tsconfig lacks). */
export interface FaultSpec {
  readonly seed: number;
  readonly cut?: readonly NodeId[];
}

/** The RaftPeer RPC methods the bench calls (edge/src/raft/peer/raft-peer.ts), as Node sees them. */
export interface PeerRpc {
  status(self: NodeId): Promise<RemoteStatus>;
  propose(
    self: NodeId,
    id: string,
    command: Uint8Array,
    timeoutMs: number,
  ): Promise<Proposed<unknown>>;
  readRoute(
    self: NodeId,
    alias: string,
    timeoutMs: number,
    mode: 'linearizable',
  ): Promise<Read<string | null>>;
  setFaults(self: NodeId, spec: FaultSpec | null): Promise<{ ok: true }>;
}

/** The fields of RaftPeer's PeerStatus the bench reads. */
interface RemoteStatus {
  readonly leader: NodeId;
  readonly term: number;
  readonly commit: number;
  readonly applied: number;
}

/** A plain copy of a peer's status. */
export interface Status {
  readonly self: NodeId;
  readonly leader: NodeId;
  readonly term: number;
  readonly commit: number;
  readonly applied: number;
}

/** What `getDurableObjectNamespace` returns, reduced to what the bench uses. */
export interface PeerNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): unknown;
}

export class Peers {
  private readonly stubs: ReadonlyMap<NodeId, PeerRpc>;

  constructor(namespace: PeerNamespace) {
    // One stub per peer, kept: the proxy looks a method up by a blocking round trip once per stub.
    this.stubs = new Map(
      PEERS.map((id) => [id, namespace.get(namespace.idFromName(`raft-${id}`)) as PeerRpc]),
    );
  }

  stub(id: NodeId): PeerRpc {
    const stub = this.stubs.get(id);
    if (!stub) throw new Error(`no peer ${id}`);
    return stub;
  }

  async status(id: NodeId): Promise<Status> {
    const s = await this.stub(id)
      .status(id)
      .catch(rpcFailed(`raft-${id}.status`));
    return { self: id, leader: s.leader, term: s.term, commit: s.commit, applied: s.applied };
  }

  async setFaults(id: NodeId, spec: FaultSpec | null): Promise<void> {
    await this.stub(id)
      .setFaults(id, spec)
      .catch(rpcFailed(`raft-${id}.setFaults`));
  }

  async statuses(among: readonly NodeId[] = PEERS): Promise<Status[]> {
    return Promise.all(among.map((id) => this.status(id)));
  }

  /**
   * Polls until every peer in `among` names the same leader, itself in `among`, `stableMs` in a
   * row (0: the first such poll), and, with `caughtUp`, every one has applied the leader's commit.
   */
  async agreedLeader(
    options: {
      among?: readonly NodeId[];
      withinMs?: number;
      stableMs?: number;
      caughtUp?: boolean;
    } = {},
  ): Promise<{ leader: NodeId; term: number }> {
    const among = options.among ?? PEERS;
    const deadline = performance.now() + (options.withinMs ?? 15_000);
    let since: { leader: NodeId; term: number; at: number } | undefined;
    for (;;) {
      const all = await this.statuses(among);
      const first = all[0];
      const leader = first?.leader ?? 0;
      const leaderCommit = all.find((s) => s.self === leader)?.commit ?? Infinity;
      const agreed =
        first !== undefined &&
        among.includes(leader) &&
        all.every((s) => s.leader === leader && s.term === first.term) &&
        (!options.caughtUp || all.every((s) => s.applied >= leaderCommit));
      const now = performance.now();
      if (!agreed || (since && (since.leader !== leader || since.term !== first.term)))
        since = undefined;
      if (agreed) {
        since ??= { leader, term: first.term, at: now };
        if (now - since.at >= (options.stableMs ?? 0)) return { leader, term: first.term };
      }
      if (now > deadline)
        throw new Error(`peers ${among.join(',')} agree on no leader: ${JSON.stringify(all)}`);
      await sleep(50);
    }
  }
}

/**
 * A thrown RPC, with what was called. Miniflare 4's proxy does not pass a Durable Object's own
 * error on: a method that throws arrives as an AssertionError about a missing "Promise" header.
 */
function rpcFailed(what: string): (err: unknown) => never {
  return (err) => {
    const message = err instanceof Error ? err.message : String(err);
    const hidden = /typeHeader === "Promise"/.test(message)
      ? " (the Durable Object threw; Miniflare 4's proxy does not pass its error on)"
      : '';
    throw new Error(`${what} failed${hidden}: ${message.split('\n')[0] ?? ''}`, { cause: err });
  };
}

export function routeSet(alias: string, target: string): Uint8Array {
  return encodeCommand({ v: 1, type: 'route.set', alias, target });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
