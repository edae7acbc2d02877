// ReadIndex bookkeeping at the leader: a read is safe once a quorum acknowledged a heartbeat that
// was sent after the read arrived, proving this node was still leader at that moment.
import type { Message, NodeId } from './types.ts';

export interface ReadIndexStatus {
  readonly req: Message;
  readonly index: number;
  readonly acks: Set<NodeId>;
}

export function contextKey(ctx: Uint8Array): string {
  let s = '';
  for (const b of ctx) s += String.fromCharCode(b);
  return s;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  addRequest(index: number, m: Message): void {
    const key = contextKey(m.context);
    if (this.pending.has(key)) return;
    this.pending.set(key, { req: m, index, acks: new Set() });
    this.queue.push(key);
  }

  /** Records a heartbeat ack for ctx; returns the acks so far, or null when unknown. */
  recvAck(from: NodeId, ctx: Uint8Array): ReadonlySet<NodeId> | null {
    const rs = this.pending.get(contextKey(ctx));
    if (!rs) return null;
    rs.acks.add(from);
    return rs.acks;
  }

  /** Releases ctx and every read queued before it (an ack for a later read covers earlier ones). */
  advance(ctx: Uint8Array): ReadIndexStatus[] {
    const key = contextKey(ctx);
    const i = this.queue.indexOf(key);
    if (i < 0) return [];
    const done = this.queue.slice(0, i + 1);
    this.queue = this.queue.slice(i + 1);
    const out: ReadIndexStatus[] = [];
    for (const k of done) {
      const rs = this.pending.get(k);
      if (rs) out.push(rs);
      this.pending.delete(k);
    }
    return out;
  }

  lastPendingRequestCtx(): Uint8Array | null {
    const k = this.queue[this.queue.length - 1];
    return k === undefined ? null : (this.pending.get(k)?.req.context ?? null);
  }
}
