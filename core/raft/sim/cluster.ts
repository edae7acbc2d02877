// A simulated cluster on a virtual clock: nodes, network, clients and the recorded history. Tests
// drive it by hand (scripted faults) or through the random fault schedule in schedule.ts.
import type { Config } from '../config.ts';
import { isRaftError } from '../errors.ts';
import { SeededRand } from '../rand.ts';
import { MemoryStorage } from '../storage.ts';
import { bootstrap as bootstrapStorage } from '../bootstrap.ts';
import type { ConfState, Message, NodeId } from '../types.ts';
import { NONE } from '../types.ts';
import type { Operation } from '../checker/history.ts';
import type { KvCommand, KvOp, KvResult } from './kv.ts';
import { encodeCommand } from './kv.ts';
import { Network, RELIABLE } from './network.ts';
import type { NetworkFaults } from './network.ts';
import { SimNode, ctxBytes } from './node.ts';
import type { NodeBugs } from './node.ts';

/** Nominal time units per tick. */
export const TICK = 10;

export interface ClusterOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly raft?: Partial<Omit<Config, 'id' | 'storage' | 'rand' | 'applied'>>;
  readonly faults?: NetworkFaults;
  /** Max clock skew as a fraction of a tick (0.2 = ticks every 8..12 units). */
  readonly skew?: number;
  readonly snapshotEvery?: number;
  readonly compactionLag?: number;
  readonly bugs?: NodeBugs & { readonly followerLocalReads?: boolean };
  /** Client operations give up after this many time units. */
  readonly opTimeout?: number;
}

interface PendingOp {
  readonly id: number;
  readonly client: number;
  readonly op: KvOp;
  readonly call: number;
  readonly node: NodeId;
  done: boolean;
  onDone?: (o: Operation) => void;
}

export class Cluster {
  readonly opts: ClusterOptions;
  readonly rand: SeededRand;
  readonly net: Network;
  readonly nodes = new Map<NodeId, SimNode>();
  now = 0;
  readonly history: Operation[] = [];
  private readonly pending = new Map<number, PendingOp>();
  private readonly pendingReads = new Map<string, number>();
  private nextOpId = 1;
  private readonly clientSeq = new Map<number, number>();
  private readonly leadersByTerm = new Map<number, NodeId>();
  /** Invariant failures seen while running (Election Safety). */
  readonly safetyErrors: string[] = [];
  /** Operations some state machine applied: the only unanswered writes that can have taken effect. */
  private readonly appliedOps = new Set<number>();
  /** Latest configuration applied anywhere, with its index. */
  latestConf: { cs: ConfState; index: number };

  constructor(opts: ClusterOptions) {
    this.opts = opts;
    this.rand = new SeededRand(opts.seed);
    this.net = new Network(this.rand.fork(), opts.faults ?? RELIABLE);
    const ids = Array.from({ length: opts.nodes }, (_, i) => i + 1);
    this.latestConf = { cs: { voters: ids, learners: [] }, index: 0 };
    for (const id of ids) this.addNode(id, { voters: ids, learners: [] });
  }

  /** Creates a server. A bootstrap member gets the initial configuration; a joiner starts empty. */
  addNode(id: NodeId, bootstrap: ConfState | null): SimNode {
    const storage = new MemoryStorage();
    if (bootstrap) bootstrapStorage(storage, bootstrap.voters);
    const skew = this.opts.skew ?? 0;
    const tickEvery = Math.max(1, Math.round(TICK * (1 - skew + 2 * skew * this.rand.next())));
    const node = new SimNode(
      {
        id,
        raft: {
          electionTick: 10,
          heartbeatTick: 1,
          preVote: true,
          checkQuorum: true,
          ...this.opts.raft,
        },
        snapshotEvery: this.opts.snapshotEvery ?? 64,
        compactionLag: this.opts.compactionLag ?? 16,
        bugs: this.opts.bugs ?? {},
      },
      storage,
      this.rand.fork(),
      {
        send: (m) => this.net.send(m, this.now),
        applied: (n, cmd, res) => this.onApplied(n, cmd, res),
        confApplied: (_n, cs, index) => {
          if (index > this.latestConf.index) this.latestConf = { cs, index };
        },
        readReady: (n, ctx, kv) => {
          const opId = this.pendingReads.get(ctx);
          if (opId === undefined) return;
          this.pendingReads.delete(ctx);
          const p = this.pending.get(opId);
          if (!p || p.node !== n || p.op.kind !== 'get') return;
          this.complete(p, { value: kv.get(p.op.key) });
        },
      },
      tickEvery,
      this.now,
    );
    this.nodes.set(id, node);
    return node;
  }

  node(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  ids(): NodeId[] {
    return [...this.nodes.keys()];
  }

  /** The live leader with the highest term, if any (it may be deposed and not know it yet). */
  leader(): NodeId {
    let best: SimNode | null = null;
    for (const n of this.nodes.values()) {
      if (n.isLeader() && (!best || n.rn.raft.term > best.rn.raft.term)) best = n;
    }
    return best ? best.id : NONE;
  }

  /** A live leader followed, in its term, by a majority of its voters; NONE if there is none. */
  availableLeader(): NodeId {
    for (const l of this.nodes.values()) {
      if (!l.isLeader()) continue;
      const term = l.rn.raft.term;
      const voters = l.rn.raft.trk.voters;
      let n = 0;
      for (const id of voters) {
        const f = this.nodes.get(id);
        if (f?.alive && f.rn.raft.term === term && f.rn.raft.lead === l.id) n++;
      }
      if (n >= Math.floor(voters.size / 2) + 1) return l.id;
    }
    return NONE;
  }

  available(): boolean {
    return this.availableLeader() !== NONE;
  }

  /**
   * True when a majority of the latest configuration's voters is alive and fully connected, so an
   * election can succeed. Brute force over subsets: clusters here have at most a handful of nodes.
   */
  healthyQuorum(): boolean {
    const voters = this.latestConf.cs.voters.filter((id) => this.nodes.get(id)?.alive);
    const need = Math.floor(this.latestConf.cs.voters.length / 2) + 1;
    if (voters.length < need) return false;
    if (voters.length > 12) return true; // not simulated; avoid the exponential search
    for (let mask = 0; mask < 1 << voters.length; mask++) {
      const set = voters.filter((_, i) => mask & (1 << i));
      if (set.length < need) continue;
      if (set.every((a) => set.every((b) => a === b || !this.net.isCut(a, b)))) return true;
    }
    return false;
  }

  /** Advances the virtual clock by one unit: ticks due, messages due, then Ready handling. */
  step(): void {
    this.now++;
    for (const n of this.nodes.values()) {
      if (n.alive && n.nextTick <= this.now) {
        n.rn.tick();
        n.nextTick = this.now + n.tickEvery;
      }
    }
    for (const m of this.net.due(this.now)) this.nodes.get(m.to)?.deliver(m);
    this.processAll();
    this.expireOps();
    this.checkElectionSafety();
  }

  /** Election Safety: at most one leader per term, over the whole run. */
  private checkElectionSafety(): void {
    for (const n of this.nodes.values()) {
      if (!n.isLeader()) continue;
      const t = n.rn.raft.term;
      const prev = this.leadersByTerm.get(t);
      if (prev === undefined) this.leadersByTerm.set(t, n.id);
      else if (
        prev !== n.id &&
        !this.safetyErrors.some((e) => e.startsWith(`two leaders in term ${t}:`))
      ) {
        this.safetyErrors.push(`two leaders in term ${t}: ${prev} and ${n.id}`);
      }
    }
  }

  run(units: number): void {
    for (let i = 0; i < units; i++) this.step();
  }

  runTicks(ticks: number): void {
    this.run(ticks * TICK);
  }

  /** Runs until pred holds or the budget is spent; returns whether it held. */
  runUntil(pred: () => boolean, maxUnits: number): boolean {
    for (let i = 0; i < maxUnits; i++) {
      if (pred()) return true;
      this.step();
    }
    return pred();
  }

  processAll(): void {
    for (const n of this.nodes.values()) n.process();
  }

  /** Scripted delivery of queued messages matching pred, processing Ready after each round. */
  deliver(pred: (m: Message) => boolean = () => true, rounds = Infinity): number {
    let total = 0;
    for (let r = 0; r < rounds; r++) {
      const ms = this.net.take(pred).filter((m) => !this.net.isCut(m.from, m.to));
      if (ms.length === 0) return total;
      total += ms.length;
      for (const m of ms) this.nodes.get(m.to)?.deliver(m);
      this.processAll();
    }
    return total;
  }

  /** Moves the clock without ticking any node (scripted tests). */
  advance(units = 1): void {
    this.now += units;
  }

  /** Drops queued messages matching pred. */
  drop(pred: (m: Message) => boolean): number {
    return this.net.take(pred).length;
  }

  crash(id: NodeId): void {
    this.node(id).crash();
    for (const p of this.pending.values()) if (p.node === id) this.giveUp(p);
    this.net.take((m) => m.to === id);
  }

  restart(id: NodeId): void {
    this.node(id).restart(this.now);
    this.node(id).process();
  }

  // ---- clients -------------------------------------------------------------------------------

  /**
   * Starts op for client at node. Writes go through the log; reads use ReadIndex (or, with the
   * followerLocalReads bug, the local state). Returns the op id, or null if rejected at once.
   */
  invoke(client: number, node: NodeId, op: KvOp, onDone?: (o: Operation) => void): number | null {
    const n = this.node(node);
    if (!n.alive) return null;
    const id = this.nextOpId++;
    const p: PendingOp = {
      id,
      client,
      op,
      call: this.now,
      node,
      done: false,
      ...(onDone ? { onDone } : {}),
    };
    if (op.kind === 'get') {
      if (this.opts.bugs?.followerLocalReads) {
        this.pending.set(id, p);
        this.complete(p, { value: n.kv.get(op.key) });
        return id;
      }
      const ctx = `r${id}`;
      this.pending.set(id, p);
      this.pendingReads.set(ctx, id);
      n.rn.readIndex(ctxBytes(ctx));
      n.process();
      return id;
    }
    const seq = (this.clientSeq.get(client) ?? 0) + 1;
    this.clientSeq.set(client, seq);
    const cmd: KvCommand = { client, seq, opId: id, op };
    try {
      n.rn.propose(encodeCommand(cmd));
    } catch (e) {
      if (isRaftError(e)) return null; // not accepted: it cannot take effect
      throw e;
    }
    this.pending.set(id, p);
    n.process();
    return id;
  }

  private onApplied(node: NodeId, cmd: KvCommand, res: KvResult | null): void {
    if (res !== null) this.appliedOps.add(cmd.opId);
    const p = this.pending.get(cmd.opId);
    if (!p || p.node !== node || res === null) return;
    this.complete(p, res);
  }

  private complete(p: PendingOp, result: KvResult): void {
    if (p.done) return;
    p.done = true;
    this.pending.delete(p.id);
    const o: Operation = {
      id: p.id,
      client: p.client,
      op: p.op,
      call: p.call,
      ret: this.now,
      result,
    };
    this.history.push(o);
    p.onDone?.(o);
  }

  /** The client stops waiting: a write's outcome is unknown; a read simply never happened. */
  private giveUp(p: PendingOp): void {
    if (p.done) return;
    p.done = true;
    this.pending.delete(p.id);
    if (p.op.kind !== 'get')
      this.history.push({
        id: p.id,
        client: p.client,
        op: p.op,
        call: p.call,
        ret: null,
        result: {},
      });
    p.onDone?.({ id: p.id, client: p.client, op: p.op, call: p.call, ret: null, result: {} });
  }

  private expireOps(): void {
    const timeout = this.opts.opTimeout ?? 80 * TICK;
    for (const p of this.pending.values()) if (this.now - p.call > timeout) this.giveUp(p);
  }

  /** Gives up on every outstanding operation (end of a run). */
  settle(): void {
    for (const p of [...this.pending.values()]) this.giveUp(p);
  }

  /**
   * The history to check. An unanswered write that no state machine applied by the end of the run
   * is dropped: if it ever takes effect, it is after every observed operation, so it cannot change
   * the verdict, and leaving it in only widens the search.
   */
  checkableHistory(): Operation[] {
    return this.history.filter((o) => o.ret !== null || this.appliedOps.has(o.id));
  }

  /** Log Matching / State Machine Safety across all nodes' persisted logs: same (index, term) => same data. */
  checkLogs(): string[] {
    const errs: string[] = [];
    const byIndex = new Map<number, { term: number; data: string; node: NodeId }>();
    for (const n of this.nodes.values()) {
      const st = n.storage;
      const hs = st.initialState().hardState;
      for (let i = st.firstIndex(); i <= Math.min(hs.commit, st.lastIndex()); i++) {
        const e = st.entries(i, i + 1, Infinity)[0];
        if (!e) continue;
        let data = '';
        for (const b of e.data) data += String.fromCharCode(b);
        const prev = byIndex.get(i);
        if (!prev) byIndex.set(i, { term: e.term, data, node: n.id });
        else if (prev.term !== e.term || prev.data !== data) {
          errs.push(
            `committed entry ${i} differs between node ${prev.node} (term ${prev.term}) and node ${n.id} (term ${e.term})`,
          );
        }
      }
    }
    return errs;
  }
}
