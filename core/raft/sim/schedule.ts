// The random fault schedule ("nemesis"): crashes and restarts, symmetric and asymmetric
// partitions, lossy links, full-cluster crashes, membership changes and leadership transfers.
import { RaftError } from '../errors.ts';
import type { SeededRand } from '../rand.ts';
import type { NodeId } from '../types.ts';
import { NONE } from '../types.ts';
import type { Cluster } from './cluster.ts';
import { TICK } from './cluster.ts';

export interface ScheduleOptions {
  readonly membership: boolean;
  readonly transfers: boolean;
  /** Mean ticks between fault actions. */
  readonly faultEvery: number;
}

export class Nemesis {
  private readonly c: Cluster;
  private readonly rand: SeededRand;
  private readonly opts: ScheduleOptions;
  private nextAt: number;
  private readonly crashed = new Set<NodeId>();
  private readonly retired = new Set<NodeId>();
  private nextNodeId: number;
  /** Membership plan: add a learner, promote it, then retire an old voter. */
  private plan: { stage: 'learner' | 'promote' | 'remove'; node: NodeId; victim: NodeId } | null =
    null;
  actions = 0;
  leaderLosses = 0;

  constructor(c: Cluster, rand: SeededRand, opts: ScheduleOptions) {
    this.c = c;
    this.rand = rand;
    this.opts = opts;
    this.nextAt = this.gap();
    this.nextNodeId = c.ids().length + 1;
  }

  private gap(): number {
    return this.c.now + TICK * (1 + this.rand.intn(2 * this.opts.faultEvery));
  }

  private live(): NodeId[] {
    return this.c.ids().filter((id) => !this.retired.has(id) && this.c.node(id).alive);
  }

  step(): void {
    this.retireRemoved();
    if (this.c.now < this.nextAt) return;
    this.nextAt = this.gap();
    this.actions++;
    const r = this.rand.next();
    const ids = this.c.ids().filter((id) => !this.retired.has(id));
    const pick = (xs: NodeId[]): NodeId => xs[this.rand.intn(xs.length)] ?? NONE;
    const lead = this.c.leader();
    if (r < 0.14) {
      // Crash a node, the leader half of the time; keep at most a minority down.
      const victim = lead !== NONE && this.rand.chance(0.5) ? lead : pick(this.live());
      if (victim !== NONE && this.crashed.size + 1 < Math.ceil(ids.length / 2)) {
        if (victim === lead) this.leaderLosses++;
        this.c.crash(victim);
        this.crashed.add(victim);
      }
    } else if (r < 0.24) {
      // Bounce: a process restart that keeps only what was persisted, right now.
      const victim = pick(this.live());
      if (victim !== NONE) {
        this.c.crash(victim);
        this.c.restart(victim);
      }
    } else if (r < 0.32) {
      const back = pick([...this.crashed]);
      if (back !== NONE) {
        this.crashed.delete(back);
        this.c.restart(back);
      }
    } else if (r < 0.44) {
      // Random symmetric split.
      const a = ids.filter(() => this.rand.chance(0.5));
      this.c.net.healAll();
      this.c.net.partition(
        a,
        ids.filter((x) => !a.includes(x)),
      );
    } else if (r < 0.52) {
      // Asymmetric: a few one-way link cuts.
      for (let i = 0; i < 1 + this.rand.intn(3); i++) {
        const x = pick(ids);
        const y = pick(ids);
        if (x !== y) this.c.net.cutLink(x, y);
      }
    } else if (r < 0.6) {
      if (lead !== NONE) {
        this.leaderLosses++;
        this.c.net.partition(
          [lead],
          ids.filter((x) => x !== lead),
        );
      }
    } else if (r < 0.74) {
      this.c.net.healAll();
    } else if (r < 0.78) {
      // Full-cluster crash: everything not persisted is lost everywhere.
      for (const id of this.live()) {
        this.c.crash(id);
        this.crashed.add(id);
      }
      for (const id of [...this.crashed]) {
        if (this.rand.chance(0.9)) {
          this.crashed.delete(id);
          this.c.restart(id);
        }
      }
    } else if (r < 0.86) {
      if (this.opts.transfers && lead !== NONE) {
        const voters = this.c
          .node(lead)
          .rn.status()
          .confState.voters.filter((v) => v !== lead);
        const to = pick(voters);
        if (to !== NONE) this.c.node(lead).rn.transferLeadership(to);
        this.c.node(lead).process();
      }
    } else if (r < 0.96) {
      if (this.opts.membership) this.membershipStep();
    } else {
      const f = this.c.net.faults;
      this.c.net.faults = { ...f, drop: this.rand.chance(0.5) ? 0 : this.rand.next() * 0.15 };
    }
  }

  private membershipStep(): void {
    const lead = this.c.leader();
    if (lead === NONE) return;
    const ln = this.c.node(lead);
    const cs = ln.rn.status().confState;
    if (!this.plan) {
      const victims = cs.voters.filter((v) => v !== lead);
      const victim = victims[this.rand.intn(victims.length)];
      if (victim === undefined) return;
      const id = this.nextNodeId++;
      this.plan = { stage: 'learner', node: id, victim };
      this.c.addNode(id, null);
    }
    const p = this.plan;
    try {
      if (p.stage === 'learner') {
        if (cs.learners.includes(p.node)) p.stage = 'promote';
        else ln.rn.proposeConfChange({ type: 'addLearner', nodeId: p.node });
      }
      if (p.stage === 'promote') {
        if (cs.voters.includes(p.node)) p.stage = 'remove';
        else if (cs.learners.includes(p.node))
          ln.rn.proposeConfChange({ type: 'addVoter', nodeId: p.node });
      }
      if (p.stage === 'remove') {
        if (!cs.voters.includes(p.victim)) this.plan = null;
        else if (p.victim !== lead)
          ln.rn.proposeConfChange({ type: 'removeNode', nodeId: p.victim });
        else ln.rn.transferLeadership(p.node);
      }
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
    }
    ln.process();
  }

  /** A voter whose removal is committed and applied by a majority is shut down for good. */
  private retireRemoved(): void {
    const cs = this.c.latestConf.cs;
    for (const id of this.c.ids()) {
      if (this.retired.has(id) || cs.voters.includes(id) || cs.learners.includes(id)) continue;
      if (this.plan && this.plan.node === id) continue; // joining
      if (id <= this.c.opts.nodes || this.c.node(id).rn.status().hardState.term > 0) {
        const applied = this.c
          .ids()
          .filter((x) => this.c.node(x).alive && this.c.node(x).applied >= this.c.latestConf.index);
        if (applied.length >= Math.floor(cs.voters.length / 2) + 1) {
          this.retired.add(id);
          this.crashed.delete(id);
          if (this.c.node(id).alive) this.c.crash(id);
        }
      }
    }
  }

  /** End of the run: heal the network and restart every crashed node. */
  healAll(): void {
    this.c.net.healAll();
    this.c.net.faults = { ...this.c.net.faults, drop: 0, duplicate: 0 };
    for (const id of this.crashed) this.c.restart(id);
    this.crashed.clear();
  }
}
