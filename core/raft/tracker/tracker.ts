// Tracks the active configuration, every peer's Progress and the votes of the current election.
import { committedIndex, voteResult } from '../quorum/majority.ts';
import type { VoteResult } from '../quorum/majority.ts';
import type { ConfState, NodeId } from '../types.ts';
import { Progress } from './progress.ts';

export class ProgressTracker {
  voters = new Set<NodeId>();
  learners = new Set<NodeId>();
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();
  private readonly maxInflight: number;
  private readonly maxInflightBytes: number;

  constructor(maxInflight: number, maxInflightBytes: number) {
    this.maxInflight = maxInflight;
    this.maxInflightBytes = maxInflightBytes;
  }

  confState(): ConfState {
    return {
      voters: [...this.voters].sort((a, b) => a - b),
      learners: [...this.learners].sort((a, b) => a - b),
    };
  }

  /** Switches to cs, keeping Progress of peers that stay and creating it for new ones. */
  applyConfState(cs: ConfState, nextIndex: number): void {
    this.voters = new Set(cs.voters);
    this.learners = new Set(cs.learners);
    for (const id of [...this.progress.keys()]) {
      if (!this.voters.has(id) && !this.learners.has(id)) this.progress.delete(id);
    }
    for (const id of [...cs.voters, ...cs.learners]) {
      const pr = this.progress.get(id);
      const learner = this.learners.has(id);
      if (pr) {
        pr.isLearner = learner;
      } else {
        const p = new Progress(nextIndex, this.maxInflight, this.maxInflightBytes, learner);
        // A new peer counts as active so check-quorum does not fire before it had a chance to answer.
        p.recentActive = true;
        this.progress.set(id, p);
      }
    }
  }

  isVoter(id: NodeId): boolean {
    return this.voters.has(id);
  }

  committed(): number {
    return committedIndex(this.voters, (id) => this.progress.get(id)?.match);
  }

  /** True when a majority of voters was recently active. */
  quorumActive(self: NodeId): boolean {
    const votes = new Map<NodeId, boolean>();
    for (const [id, pr] of this.progress) {
      if (pr.isLearner) continue;
      votes.set(id, id === self || pr.recentActive);
    }
    return voteResult(this.voters, votes) === 'won';
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    return { granted, rejected, result: voteResult(this.voters, this.votes) };
  }
}
