/**
 * The per-isolate routing memory: peak-EWMA latencies, breakers and the retry budget, kept
 * between requests and fed by their outcomes. Mutable (it is the one place that state lives),
 * but pure: the clock and the random source are passed in on every call.
 */
import {
  breakerPhase,
  breakerRecord,
  breakerRetryAfterMs,
  type BreakerPhase,
  type BreakerState,
} from './breaker.ts';
import type { Backend } from './backend.ts';
import {
  chooseBackend,
  DEFAULT_CHOOSE,
  type Choice,
  type ChooseOptions,
  type RouteRequest,
} from './choose.ts';
import { classifyFailure, type AttemptFailure, type FailureClass } from './classify.ts';
import { latencyAt, observeLatency, type PeakEwma } from './peak-ewma.ts';
import {
  DEFAULT_RETRY_BUDGET,
  EMPTY_RETRY_BUDGET,
  recordRequest,
  tryRetry,
  type RetryBudget,
  type RetryBudgetOptions,
} from './retry-budget.ts';

export interface RouterOptions {
  readonly choose: ChooseOptions;
  readonly retry: RetryBudgetOptions;
}

export const DEFAULT_ROUTER: RouterOptions = {
  // A node's engine queues jobs: under a burst, waiting there beats a 503.
  choose: { ...DEFAULT_CHOOSE, queueOnFullNodes: true },
  retry: DEFAULT_RETRY_BUDGET,
};

/** Backends remembered at most; beyond it the least recently seen are dropped. */
export const ROUTER_MAX_BACKENDS = 10_000;
/** What `forget` drops by default: an hour unseen is long past any breaker or EWMA memory. */
export const ROUTER_FORGET_AFTER_MS = 3_600_000;

/** One backend as this router sees it: for operators, read-only. */
export interface BackendRouting {
  readonly id: string;
  /** Peak-EWMA latency now; with no sample yet, the neutral initial value. */
  readonly latencyMs: number;
  /** Whether any latency sample fed it. */
  readonly sampled: boolean;
  readonly breaker: BreakerPhase;
  /** Open: ms until it lets a probe through; otherwise 0. */
  readonly retryAfterMs: number;
  /** Closed: failures in a row so far; otherwise 0. */
  readonly consecutiveFailures: number;
  /** Opens in the current streak (each doubles the cool-down). */
  readonly streak: number;
  /** When this router last chose it or heard of it. */
  readonly seenAt: number;
}

export interface RouterSnapshot {
  /** Backends remembered, most recently seen first, at most `limit` of them. */
  readonly backends: readonly BackendRouting[];
  /** Backends remembered in all. */
  readonly total: number;
}

export class Router {
  private readonly ewma = new Map<string, PeakEwma>();
  private readonly breakers = new Map<string, BreakerState>();
  /** The incarnation each backend was last seen in (see Backend.incarnation). */
  private readonly incarnations = new Map<string, number>();
  /** Last time each backend was touched; insertion order is recency order (oldest first). */
  private readonly seen = new Map<string, number>();
  private budget: RetryBudget = EMPTY_RETRY_BUDGET;
  /** The latest `now` seen, so `seen` stays sorted by time. */
  private latest = -Infinity;

  private readonly options: RouterOptions;

  constructor(options: RouterOptions = DEFAULT_ROUTER) {
    this.options = options;
  }

  /** Counts one client request in the retry budget. */
  request(now: number): void {
    this.budget = recordRequest(this.budget, now, this.options.retry);
  }

  /** chooseBackend with this router's state; stores the admitted breaker state of the chosen backend. */
  choose(
    backends: readonly Backend[],
    request: RouteRequest,
    now: number,
    random: () => number,
  ): Choice {
    for (const b of backends) this.meet(b);
    const state = { ewma: this.ewma, breakers: this.breakers };
    const choice = chooseBackend(backends, request, state, now, random, this.options.choose);
    if (choice.kind === 'backend') {
      this.touch(choice.backend.id, now);
      this.breakers.set(choice.backend.id, choice.breaker);
    }
    return choice;
  }

  /** The attempt on `backendId` succeeded after `latencyMs`: feeds peak-EWMA and the breaker (pass the probe from the Choice). */
  succeeded(backendId: string, latencyMs: number, now: number, probe: number | null): void {
    const { ewma, breaker } = this.options.choose;
    this.touch(backendId, now);
    this.ewma.set(backendId, observeLatency(this.ewma.get(backendId), latencyMs, now, ewma));
    this.record(backendId, 'success', now, probe, breaker);
  }

  /** The attempt failed: classifies it (classifyFailure), feeds the breaker ('failure' if countsAgainstBreaker, else 'neutral') and returns the class. */
  failed(
    backendId: string,
    failure: AttemptFailure,
    now: number,
    probe: number | null,
  ): FailureClass {
    const cls = classifyFailure(failure);
    this.touch(backendId, now);
    const outcome = cls.countsAgainstBreaker ? 'failure' : 'neutral';
    this.record(backendId, outcome, now, probe, this.options.choose.breaker);
    return cls;
  }

  /** Whether one more attempt may be made for this request (tryRetry on the budget; consumes it when allowed). */
  mayRetry(now: number): boolean {
    const r = tryRetry(this.budget, now, this.options.retry);
    this.budget = r.budget;
    return r.allowed;
  }

  /** Bounded memory: forgets backends not seen for `maxAgeMs` (call occasionally). */
  forget(now: number, maxAgeMs: number = ROUTER_FORGET_AFTER_MS): void {
    for (const [id, at] of this.seen) {
      // Oldest first, so the first recent one ends the scan.
      if (now - at <= maxAgeMs) break;
      this.drop(id);
    }
  }

  /** What this router holds for each backend at `now`, most recently seen first. Changes nothing. */
  snapshot(now: number, limit = 1000): RouterSnapshot {
    const ewmaOptions = this.options.choose.ewma;
    const ids = [...this.seen.keys()].reverse().slice(0, Math.max(0, limit));
    const backends = ids.map((id): BackendRouting => {
      const breaker = this.breakers.get(id);
      const ewma = this.ewma.get(id);
      return {
        id,
        latencyMs: latencyAt(ewma, now, ewmaOptions),
        sampled: ewma !== undefined,
        breaker: breakerPhase(breaker, now),
        retryAfterMs: breakerRetryAfterMs(breaker, now),
        consecutiveFailures: breaker?.state === 'closed' ? breaker.consecutive : 0,
        streak: breaker?.streak ?? 0,
        seenAt: this.seen.get(id) ?? now,
      };
    });
    return { backends, total: this.seen.size };
  }

  /** Backends currently remembered (for tests and metrics). */
  get size(): number {
    return this.seen.size;
  }

  private record(
    id: string,
    outcome: 'success' | 'failure' | 'neutral',
    now: number,
    probe: number | null,
    options: ChooseOptions['breaker'],
  ): void {
    const next = breakerRecord(this.breakers.get(id), outcome, now, options, probe);
    this.breakers.set(id, next);
  }

  /** Marks `id` most recently seen, evicting the least recent beyond the cap. */
  private touch(id: string, now: number): void {
    // A clock stepping back must not stamp an entry older than entries before it in the order.
    this.latest = Math.max(this.latest, now);
    this.seen.delete(id);
    this.seen.set(id, this.latest);
    while (this.seen.size > ROUTER_MAX_BACKENDS) {
      const oldest = this.seen.keys().next().value;
      if (oldest === undefined) break;
      this.drop(oldest);
    }
  }

  /** A backend seen in a new incarnation (a node that reconnected) starts with a clean slate. */
  private meet(backend: Backend): void {
    // Only backends remembered have a slate to clean (and this keeps the map bounded with them).
    if (backend.incarnation === undefined || !this.seen.has(backend.id)) return;
    const known = this.incarnations.get(backend.id);
    if (known === backend.incarnation) return;
    if (known !== undefined) {
      this.ewma.delete(backend.id);
      this.breakers.delete(backend.id);
    }
    this.incarnations.set(backend.id, backend.incarnation);
  }

  private drop(id: string): void {
    this.seen.delete(id);
    this.ewma.delete(id);
    this.breakers.delete(id);
    this.incarnations.delete(id);
  }
}
