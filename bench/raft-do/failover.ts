/**
 * One failover: writes flow at a low rate, the leader is cut off from both other peers (through
 * the test-only fault hook), and the clock runs from the cut until a write sent after it commits.
 *
 * The writer is open-loop: every `intervalMs` a new write with a fresh proposal id goes to the
 * next peer in turn (a client that knows nothing of the cut), each waiting up to
 * `writeTimeoutMs`. A follower forwards a proposal to the leader it knows of, so within one
 * interval after the election some write reaches the new leader. Writes sent before the cut are
 * not counted: the old leader may have committed them.
 */
import { performance } from 'node:perf_hooks';
import type { NodeId } from '@proxima/core/raft';
import { PEERS, routeSet, sleep, type Peers } from './peers.ts';

export interface FailoverOptions {
  readonly round: number;
  readonly intervalMs: number;
  readonly writeTimeoutMs: number;
  /** Writes flow this long before the cut. */
  readonly leadInMs: number;
  /** Give up when no write commits this long after the cut. */
  readonly giveUpMs: number;
}

export interface FailoverRound {
  readonly old_leader: NodeId;
  readonly new_leader: NodeId;
  readonly term_before: number;
  readonly term_after: number;
  /** From the start of the cut until the first write sent after it was acknowledged. */
  readonly failover_ms: number;
  /** The setFaults calls of the cut itself (part of failover_ms). */
  readonly cut_rpc_ms: number;
  /** Which peer acknowledged that first write. */
  readonly first_commit_at: NodeId;
  /** From the heal until all three peers agree on a leader and have applied its commit. */
  readonly heal_ms: number;
  readonly writes_sent: number;
  readonly writes_failed: number;
}

interface WriteRecord {
  readonly peer: NodeId;
  readonly sentAt: number;
  doneAt?: number;
  ok?: boolean;
}

function others(id: NodeId): NodeId[] {
  return PEERS.filter((p) => p !== id);
}

export async function failover(peers: Peers, options: FailoverOptions): Promise<FailoverRound> {
  const before = await peers.agreedLeader({ stableMs: 500, caughtUp: true });
  const old = before.leader;
  const writes: WriteRecord[] = [];
  let stop = false;
  const writer = (async () => {
    // Bounded: it stops when told, or after the lead-in, the give-up time and a margin.
    const maxWrites = Math.ceil((options.leadInMs + options.giveUpMs + 5000) / options.intervalMs);
    const pending: Array<Promise<void>> = [];
    for (let i = 0; !stop && i < maxWrites; i++) {
      const peer = PEERS[i % PEERS.length] as NodeId;
      const record: WriteRecord = { peer, sentAt: performance.now() };
      writes.push(record);
      const id = `failover-${options.round}-${i}`;
      const command = routeSet(`failover-${i % 4}`, `model-${options.round}-${i}`);
      pending.push(
        peers
          .stub(peer)
          .propose(peer, id, command, options.writeTimeoutMs)
          .then(
            (answer) => {
              record.doneAt = performance.now();
              record.ok = answer.ok;
            },
            () => {
              record.doneAt = performance.now();
              record.ok = false;
            },
          ),
      );
      await sleep(options.intervalMs);
    }
    await Promise.all(pending);
  })();

  try {
    await sleep(options.leadInMs);
    if (!writes.some((w) => w.ok === true))
      throw new Error(`round ${options.round}: no write committed before the cut`);

    const cutAt = performance.now();
    await peers.setFaults(old, { seed: options.round, cut: others(old) });
    await Promise.all(
      others(old).map((id) => peers.setFaults(id, { seed: options.round, cut: [old] })),
    );
    const cutDone = performance.now();

    let first: WriteRecord | undefined;
    while (!first) {
      const committed = writes.filter(
        (w) => w.ok === true && w.sentAt >= cutDone && w.doneAt !== undefined,
      );
      first = committed.sort((a, b) => (a.doneAt ?? 0) - (b.doneAt ?? 0))[0];
      if (first) break;
      if (performance.now() - cutAt > options.giveUpMs)
        throw new Error(
          `round ${options.round}: no write committed ${options.giveUpMs} ms after the cut`,
        );
      await sleep(10);
    }
    stop = true;
    await writer;
    const after = await peers.agreedLeader({ among: others(old), withinMs: 5000 });
    if (after.leader === old || after.term <= before.term)
      throw new Error(
        `round ${options.round}: after cutting ${old} (term ${before.term}) the leader is ${after.leader} (term ${after.term})`,
      );
    if (first.peer === old)
      throw new Error(`round ${options.round}: the cut-off leader ${old} acknowledged a write`);

    const healAt = performance.now();
    await Promise.all(PEERS.map((id) => peers.setFaults(id, null)));
    await peers.agreedLeader({ caughtUp: true, withinMs: 15_000 });
    const healMs = performance.now() - healAt;

    const sentAfterCut = writes.filter((w) => w.sentAt >= cutAt);
    return {
      old_leader: old,
      new_leader: after.leader,
      term_before: before.term,
      term_after: after.term,
      failover_ms: (first.doneAt ?? Number.NaN) - cutAt,
      cut_rpc_ms: cutDone - cutAt,
      first_commit_at: first.peer,
      heal_ms: healMs,
      writes_sent: sentAfterCut.length,
      writes_failed: sentAfterCut.filter((w) => w.ok !== true).length,
    };
  } finally {
    stop = true;
    await writer;
  }
}
