// A simulated network: per-message delay (hence reordering), loss, duplication, and directed link
// cuts for asymmetric partitions. Deterministic given its PRNG.
import type { SeededRand } from '../rand.ts';
import type { Message, NodeId } from '../types.ts';
import { messageSize } from '../types.ts';

export interface NetworkFaults {
  /** Probability that a message is lost. */
  drop: number;
  /** Probability that a message is delivered twice. */
  duplicate: number;
  /** Delivery delay in time units, uniform in [minDelay, maxDelay]. */
  minDelay: number;
  maxDelay: number;
}

export const RELIABLE: NetworkFaults = { drop: 0, duplicate: 0, minDelay: 1, maxDelay: 1 };

interface InFlight {
  readonly at: number;
  readonly seq: number;
  readonly m: Message;
}

export interface NetworkStats {
  messages: number;
  bytes: number;
  byType: Map<string, number>;
}

export class Network {
  faults: NetworkFaults;
  private readonly rand: SeededRand;
  private queue: InFlight[] = [];
  private seq = 0;
  /** Cut links "from>to". */
  private readonly cut = new Set<string>();
  readonly stats: NetworkStats = { messages: 0, bytes: 0, byType: new Map() };
  /**
   * Link capacity in bytes per time unit, or null for unlimited. Each directed link sends one
   * message at a time, so per-message overhead and batching show up in throughput.
   */
  bandwidth: number | null = null;
  private readonly linkBusyUntil = new Map<string, number>();
  /** Observes every message sent (tests count specific kinds). */
  tap: ((m: Message) => void) | null = null;
  /** When false, messages wait until deliver() is called explicitly (scripted tests). */
  auto = true;

  constructor(rand: SeededRand, faults: NetworkFaults) {
    this.rand = rand;
    this.faults = faults;
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  healLink(from: NodeId, to: NodeId): void {
    this.cut.delete(`${from}>${to}`);
  }

  healAll(): void {
    this.cut.clear();
  }

  /** Cuts both directions between group a and everyone in b. */
  partition(a: readonly NodeId[], b: readonly NodeId[]): void {
    for (const x of a) {
      for (const y of b) {
        this.cutLink(x, y);
        this.cutLink(y, x);
      }
    }
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(`${from}>${to}`);
  }

  send(m: Message, now: number): void {
    this.tap?.(m);
    this.stats.messages++;
    this.stats.bytes += messageSize(m);
    this.stats.byType.set(m.type, (this.stats.byType.get(m.type) ?? 0) + 1);
    const f = this.faults;
    if (f.drop > 0 && this.rand.chance(f.drop)) return;
    const copies = f.duplicate > 0 && this.rand.chance(f.duplicate) ? 2 : 1;
    let depart = now;
    if (this.bandwidth !== null) {
      const link = `${m.from}>${m.to}`;
      depart = Math.max(now, this.linkBusyUntil.get(link) ?? 0) + messageSize(m) / this.bandwidth;
      this.linkBusyUntil.set(link, depart);
    }
    for (let i = 0; i < copies; i++) {
      const delay = f.minDelay + this.rand.intn(f.maxDelay - f.minDelay + 1);
      this.queue.push({ at: Math.ceil(depart) + delay, seq: this.seq++, m });
    }
  }

  /** Removes and returns messages due at `now` whose link is up, oldest first. */
  due(now: number): Message[] {
    if (!this.auto) return [];
    const out: InFlight[] = [];
    const keep: InFlight[] = [];
    for (const f of this.queue) (f.at <= now ? out : keep).push(f);
    if (out.length === 0) return [];
    this.queue = keep;
    out.sort((a, b) => a.at - b.at || a.seq - b.seq);
    return out.filter((f) => !this.isCut(f.m.from, f.m.to)).map((f) => f.m);
  }

  /** Scripted delivery: removes and returns queued messages matching pred (in send order). */
  take(pred: (m: Message) => boolean): Message[] {
    const out: InFlight[] = [];
    const keep: InFlight[] = [];
    for (const f of this.queue) (pred(f.m) ? out : keep).push(f);
    this.queue = keep;
    return out.sort((a, b) => a.seq - b.seq).map((f) => f.m);
  }

  pending(): readonly Message[] {
    return this.queue.map((f) => f.m);
  }

  resetStats(): void {
    this.stats.messages = 0;
    this.stats.bytes = 0;
    this.stats.byType.clear();
  }
}
