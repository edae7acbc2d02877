// Closed-loop KV clients: each keeps one operation outstanding, choosing put, get, cas or append
// on a few shared keys, mostly at the leader and sometimes at a follower (forwarding, ReadIndex).
import type { SeededRand } from '../rand.ts';
import type { NodeId } from '../types.ts';
import { NONE } from '../types.ts';
import type { Cluster } from './cluster.ts';
import { TICK } from './cluster.ts';
import type { KvOp } from './kv.ts';

export interface WorkloadOptions {
  readonly clients: number;
  readonly keys: number;
  /** Max pause between a client's operations, in time units. */
  readonly think: number;
}

interface ClientState {
  readonly id: number;
  busy: boolean;
  nextAt: number;
  seq: number;
  /** Last value this client saw per key, used as the expected value of cas. */
  readonly seen: Map<string, string | null>;
}

export class Workload {
  private readonly c: Cluster;
  private readonly rand: SeededRand;
  private readonly opts: WorkloadOptions;
  private readonly clients: ClientState[];
  stopped = false;

  constructor(c: Cluster, rand: SeededRand, opts: WorkloadOptions) {
    this.c = c;
    this.rand = rand;
    this.opts = opts;
    this.clients = Array.from({ length: opts.clients }, (_, i) => ({
      id: i + 1,
      busy: false,
      nextAt: rand.intn(TICK * 5),
      seq: 0,
      seen: new Map(),
    }));
  }

  /** Called once per time unit. */
  step(): void {
    if (this.stopped) return;
    for (const cl of this.clients) {
      if (cl.busy || this.c.now < cl.nextAt) continue;
      this.issue(cl);
    }
  }

  private pickNode(): NodeId {
    const live = this.c.ids().filter((id) => this.c.node(id).alive);
    const lead = this.c.availableLeader();
    if (lead !== NONE && this.rand.chance(0.7)) return lead;
    return live[this.rand.intn(live.length)] ?? NONE;
  }

  private pickOp(cl: ClientState): KvOp {
    const key = `k${this.rand.intn(this.opts.keys)}`;
    const value = `${cl.id}.${++cl.seq}`;
    const r = this.rand.next();
    if (r < 0.3) return { kind: 'put', key, value };
    if (r < 0.65) return { kind: 'get', key };
    if (r < 0.8) return { kind: 'cas', key, expected: cl.seen.get(key) ?? null, value };
    return { kind: 'append', key, value: `,${value}` };
  }

  private issue(cl: ClientState): void {
    const node = this.pickNode();
    const backoff = (): void => {
      cl.busy = false;
      cl.nextAt = this.c.now + 1 + this.rand.intn(this.opts.think);
    };
    if (node === NONE) {
      backoff();
      return;
    }
    const op = this.pickOp(cl);
    cl.busy = true;
    const id = this.c.invoke(cl.id, node, op, (o) => {
      if (o.ret !== null) {
        if (o.op.kind === 'get' && 'value' in o.result) cl.seen.set(o.op.key, o.result.value);
        if (o.op.kind === 'put' || (o.op.kind === 'cas' && 'ok' in o.result && o.result.ok))
          cl.seen.set(o.op.key, o.op.value);
      }
      backoff();
    });
    if (id === null) backoff();
  }
}
