/**
 * chooseBackend: where one chat attempt goes. Pure: load, latency and breaker state come in,
 * a choice (or why there is none) goes out; the clock and the random source are injected.
 *
 * The rules, in order:
 *  1. Candidates serve the model, are not draining, were not tried already for this request,
 *     can continue a cut stream when that is what is asked, and their breaker lets a request
 *     through (not asked for a rescue: a request under way that would otherwise end in an error). No backend serves the model at all → unknown_model
 *     (unless the caller knows the model: then it is a capacity problem).
 *  2. Pools, best first: healthy nodes, healthy upstreams, the burst tier (the Azure Function
 *     App), suspect nodes, suspect upstreams. Local before cloud (it is ours and free); the burst
 *     tier last among healthy ones (a queued job: the slowest and dearest); a suspect backend (missed heartbeats) only when
 *     nothing healthy has room, since it may be dead and cost the client a timeout. Within each
 *     pool, degraded backends (a sentinel alert: latency or errors drifted from their own
 *     baseline) come after the others, so a degraded node is used only when no non-degraded
 *     node of its pool has room, but still before cloud: it is slow or flaky, not gone.
 *  3. The first pool where someone has room (a free slot, and VRAM for a cold model) decides.
 *  4. In it, the conversation's previous backend if it has room: it holds the KV cache.
 *  5. Nodes: among those with the model warm (else all), power of two choices by peak-EWMA cost
 *     (latency × work outstanding).
 *  6. Upstreams (and the burst tier): the cheapest, then the lowest priority value, then the
 *     lowest peak-EWMA cost.
 *  7. No room anywhere: with `queueOnFullNodes`, the healthy node with the least work by power of
 *     two choices queues it (a node's engine queues jobs; waiting there beats a 503 under a burst),
 *     a non-degraded one if there is any.
 *  8. Otherwise no_capacity, with Retry-After from the soonest breaker to half-open.
 *
 * The chosen backend's breaker is admitted here (taking a half-open probe), and its new state
 * returned, so the caller stores it and hands `probe` back to breakerRecord with the outcome.
 */
import { NODE_RETRY_AFTER_SECONDS } from '../protocol/job-errors.ts';
import { hasRoom, isWarm, outstanding, type Backend } from './backend.ts';
import {
  breakerAdmit,
  breakerAllows,
  breakerRetryAfterMs,
  DEFAULT_BREAKER,
  type BreakerOptions,
  type BreakerState,
} from './breaker.ts';
import { powerOfTwoChoices } from './p2c.ts';
import {
  DEFAULT_PEAK_EWMA,
  peakEwmaCost,
  type PeakEwma,
  type PeakEwmaOptions,
} from './peak-ewma.ts';

export interface RouteRequest {
  readonly model: string;
  /** The backend that served this conversation's previous turn (the caller maps key → id). */
  readonly affinity?: string;
  /** Backends already tried for this request. */
  readonly exclude?: ReadonlySet<string>;
  /** The catalogue knows the model even if no backend listed serves it now (503, not 404). */
  readonly knownModel?: boolean;
  /** VRAM a node needs to load the model cold, when known. */
  readonly coldLoadBytes?: number;
  /** A cut stream resumes: only backends that can continue text they did not start. */
  readonly continuing?: boolean;
  /**
   * A rescue: without it a request already under way (a cut stream, a job that failed on a
   * node) would end in an error, so breakers are not asked (a node that failed a while ago may be
   * back). Everything else still applies.
   */
  readonly rescue?: boolean;
}

export interface RoutingState {
  readonly ewma: ReadonlyMap<string, PeakEwma>;
  readonly breakers: ReadonlyMap<string, BreakerState>;
}

export interface ChooseOptions {
  readonly ewma: PeakEwmaOptions;
  readonly breaker: BreakerOptions;
  /** Retry-After when nothing has room and no breaker says when it will. */
  readonly retryAfterSeconds: number;
  /** Rule 7: queue on the least-loaded healthy node rather than answer no_capacity. */
  readonly queueOnFullNodes?: boolean;
}

export const DEFAULT_CHOOSE: ChooseOptions = {
  ewma: DEFAULT_PEAK_EWMA,
  breaker: DEFAULT_BREAKER,
  retryAfterSeconds: NODE_RETRY_AFTER_SECONDS,
};

export type ChoiceReason = 'affinity' | 'p2c' | 'cheapest' | 'queue';

export type Choice =
  | {
      readonly kind: 'backend';
      readonly backend: Backend;
      readonly reason: ChoiceReason;
      /** The chosen backend's breaker after admission: store it. */
      readonly breaker: BreakerState;
      /** Give back to breakerRecord with the outcome. */
      readonly probe: number | null;
    }
  | { readonly kind: 'unknown_model' }
  | { readonly kind: 'no_capacity'; readonly retryAfterSeconds: number };

/** Rule 2's pools, best first; each is split in two, its degraded backends last. */
const POOLS: ReadonlyArray<{ tier: Backend['tier']; suspect: boolean; degraded: boolean }> = [
  { tier: 'node', suspect: false, degraded: false },
  { tier: 'node', suspect: false, degraded: true },
  { tier: 'upstream', suspect: false, degraded: false },
  { tier: 'upstream', suspect: false, degraded: true },
  // The Function App: never suspect nor degraded (its faults go to its breaker).
  { tier: 'burst', suspect: false, degraded: false },
  { tier: 'node', suspect: true, degraded: false },
  { tier: 'node', suspect: true, degraded: true },
  { tier: 'upstream', suspect: true, degraded: false },
  { tier: 'upstream', suspect: true, degraded: true },
];

export function chooseBackend(
  backends: readonly Backend[],
  request: RouteRequest,
  state: RoutingState,
  now: number,
  random: () => number,
  options: ChooseOptions = DEFAULT_CHOOSE,
): Choice {
  const { model } = request;
  const serving = backends.filter((b) => b.models.includes(model));
  if (serving.length === 0 && !request.knownModel) return { kind: 'unknown_model' };

  // Rule 1.
  const exclude = request.exclude;
  const candidates = serving.filter(
    (b) =>
      !b.draining &&
      !exclude?.has(b.id) &&
      (b.canContinue || !request.continuing) &&
      (request.rescue === true || breakerAllows(state.breakers.get(b.id), now, options.breaker)),
  );
  const cost = (b: Backend): number =>
    peakEwmaCost(state.ewma.get(b.id), outstanding(b), now, options.ewma);

  for (const pool of POOLS) {
    // Rule 3.
    const roomy = candidates.filter(
      (b) =>
        b.tier === pool.tier &&
        b.suspect === pool.suspect &&
        b.degraded === pool.degraded &&
        hasRoom(b, model, request.coldLoadBytes),
    );
    if (roomy.length === 0) continue;

    // Rule 4.
    const sticky = roomy.find((b) => b.id === request.affinity);
    if (sticky) return admit(sticky, 'affinity', state, now, options);

    if (pool.tier === 'node') {
      // Rule 5.
      const warm = roomy.filter((b) => isWarm(b, model));
      const pick = powerOfTwoChoices(warm.length > 0 ? warm : roomy, cost, random);
      if (pick) return admit(pick.chosen, 'p2c', state, now, options);
    } else {
      // Rule 6.
      const [best] = [...roomy].sort(
        (a, b) =>
          a.costPer1kTokens - b.costPer1kTokens || a.priority - b.priority || cost(a) - cost(b),
      );
      if (best) return admit(best, 'cheapest', state, now, options);
    }
  }

  // Rule 7.
  if (options.queueOnFullNodes) {
    const healthy = candidates.filter((b) => b.tier === 'node' && !b.suspect);
    const fine = healthy.filter((b) => !b.degraded);
    const pick = powerOfTwoChoices(fine.length > 0 ? fine : healthy, cost, random);
    if (pick) return admit(pick.chosen, 'queue', state, now, options);
  }

  // Rule 8.
  return {
    kind: 'no_capacity',
    retryAfterSeconds: retryAfter(serving, request, state, now, options),
  };
}

function admit(
  backend: Backend,
  reason: ChoiceReason,
  state: RoutingState,
  now: number,
  options: ChooseOptions,
): Choice {
  const admission = breakerAdmit(state.breakers.get(backend.id), now, options.breaker);
  return { kind: 'backend', backend, reason, breaker: admission.state, probe: admission.probe };
}

/**
 * The soonest an open breaker among otherwise usable backends lets a probe through, capped at the
 * default: busy slots free up too, and nothing says when.
 */
function retryAfter(
  serving: readonly Backend[],
  request: RouteRequest,
  state: RoutingState,
  now: number,
  options: ChooseOptions,
): number {
  let soonestMs = Infinity;
  for (const b of serving) {
    if (b.draining || request.exclude?.has(b.id)) continue;
    const ms = breakerRetryAfterMs(state.breakers.get(b.id), now);
    if (ms > 0) soonestMs = Math.min(soonestMs, ms);
  }
  if (soonestMs === Infinity) return options.retryAfterSeconds;
  return Math.max(1, Math.min(options.retryAfterSeconds, Math.ceil(soonestMs / 1000)));
}
