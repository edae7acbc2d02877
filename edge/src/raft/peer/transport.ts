import { batchesByPeer, type PeerBatch } from '@proxima/core/replica';
import type { Message, NodeId } from '@proxima/core/raft';

/** What a peer's RPC surface looks like to the sender. */
export interface PeerEndpoint {
  deliver(batch: PeerBatch): Promise<unknown>;
}

/** Test builds only: transport faults, decided per batch in each direction. */
export interface TransportFaults {
  /** Whether a batch for `to` leaves this peer. */
  send(to: NodeId, batch: PeerBatch): 'deliver' | 'drop';
  /** Whether a batch from `from` reaches the core (a dropped one is answered as refused). */
  receive(from: NodeId, batch: PeerBatch): 'deliver' | 'drop';
}

export interface TransportOptions {
  readonly self: NodeId;
  /** A fresh stub for a peer (a stub is broken after any exception, so it is rebuilt). */
  readonly connect: (peer: NodeId) => PeerEndpoint;
  /** The peer could not be reached: the leader probes it instead of pipelining. */
  readonly unreachable: (peer: NodeId) => void;
  /** Every send, for the caller's waitUntil (a DO keeps outgoing calls alive on its own too). */
  readonly track: (sending: Promise<void>) => void;
  /** Test builds only: drops batches, to inject transport faults. */
  readonly faults?: TransportFaults;
}

function isOverloaded(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'overloaded' in err && err.overloaded === true;
}

/**
 * Sends Raft messages to peers over Durable Object RPC, one batch per destination per Ready.
 * Raft retransmits on its own, so a failed send is reported, not retried here; an overloaded peer
 * is never retried in a loop.
 */
export class PeerTransport {
  private readonly options: TransportOptions;
  private readonly stubs = new Map<NodeId, PeerEndpoint>();

  constructor(options: TransportOptions) {
    this.options = options;
  }

  send(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    for (const [to, batches] of batchesByPeer(this.options.self, messages)) {
      for (const batch of batches) {
        if (this.options.faults?.send(to, batch) === 'drop') continue;
        this.options.track(this.deliver(to, batch));
      }
    }
  }

  /** Whether an arriving, validated batch may be stepped (false only under injected faults). */
  admits(batch: PeerBatch): boolean {
    return this.options.faults?.receive(batch.from, batch) !== 'drop';
  }

  private async deliver(to: NodeId, batch: PeerBatch): Promise<void> {
    let stub = this.stubs.get(to);
    if (!stub) {
      stub = this.options.connect(to);
      this.stubs.set(to, stub);
    }
    try {
      await stub.deliver(batch);
    } catch (err) {
      this.stubs.delete(to);
      this.options.unreachable(to);
      if (!isOverloaded(err)) return;
      console.warn(JSON.stringify({ event: 'raft.peer_overloaded', to }));
    }
  }
}
