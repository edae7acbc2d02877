/**
 * A circuit breaker per backend, as plain state and pure transitions (the caller passes `now`).
 * closed: everything passes; it counts failures.
 * open: nothing passes until the cool-down ends; each re-open without a quiet spell in between
 *   doubles the cool-down (capped), so a backend that keeps failing is asked less and less often.
 * half_open: a few probes pass; one success closes, one failure re-opens.
 */

export interface BreakerOptions {
  /** Consecutive failures that open it. */
  readonly consecutiveFailures: number;
  /** Failure ratio in the window that opens it, once the window holds `minRequests`. */
  readonly failureRate: number;
  readonly minRequests: number;
  readonly windowMs: number;
  /** First cool-down; doubled per re-open up to `maxOpenMs`. */
  readonly baseOpenMs: number;
  readonly maxOpenMs: number;
  /** Probes let through per half-open spell. */
  readonly halfOpenProbes: number;
  /** Closed this long, the backoff streak is forgotten. */
  readonly streakResetMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = {
  consecutiveFailures: 5,
  failureRate: 0.5,
  minRequests: 20,
  windowMs: 30_000,
  baseOpenMs: 5_000,
  maxOpenMs: 120_000,
  halfOpenProbes: 1,
  streakResetMs: 300_000,
};

/** Counts in a fixed window; it restarts when it has aged `windowMs`. */
interface Window {
  readonly start: number;
  readonly requests: number;
  readonly failures: number;
}

export type BreakerState =
  | {
      readonly state: 'closed';
      readonly consecutive: number;
      readonly window: Window;
      /** Opens in the current streak, and when it last closed (for the streak reset). */
      readonly streak: number;
      readonly closedAt: number;
    }
  | { readonly state: 'open'; readonly until: number; readonly streak: number }
  | {
      readonly state: 'half_open';
      /** Names this half-open spell, so only its own probes' answers decide it. */
      readonly spell: number;
      readonly probes: number;
      readonly streak: number;
    };

/** 'neutral' is an attempt that says nothing about the backend (the client left): it frees a probe. */
export type BreakerOutcome = 'success' | 'failure' | 'neutral';

export function closedBreaker(now: number): BreakerState {
  return {
    state: 'closed',
    consecutive: 0,
    window: { start: now, requests: 0, failures: 0 },
    streak: 0,
    closedAt: now,
  };
}

/** An open breaker whose cool-down has ended is half-open; the rest are as stored. */
function current(state: BreakerState, now: number): BreakerState {
  if (state.state === 'open' && now >= state.until)
    return { state: 'half_open', spell: state.until, probes: 0, streak: state.streak };
  return state;
}

/** Whether a request may go now, without taking a probe (for filtering candidates). */
export function breakerAllows(
  state: BreakerState | undefined,
  now: number,
  options = DEFAULT_BREAKER,
): boolean {
  if (!state) return true;
  const s = current(state, now);
  if (s.state === 'closed') return true;
  if (s.state === 'open') return false;
  return s.probes < options.halfOpenProbes;
}

export interface BreakerAdmission {
  readonly allowed: boolean;
  readonly state: BreakerState;
  /** The half-open spell this request probes; hand it back to `breakerRecord`. Null if no probe. */
  readonly probe: number | null;
}

/** Lets one request through if allowed; in half-open that takes a probe. */
export function breakerAdmit(
  state: BreakerState | undefined,
  now: number,
  options = DEFAULT_BREAKER,
): BreakerAdmission {
  const s = current(state ?? closedBreaker(now), now);
  if (s.state === 'closed') return { allowed: true, state: s, probe: null };
  if (s.state === 'open' || s.probes >= options.halfOpenProbes)
    return { allowed: false, state: s, probe: null };
  return { allowed: true, state: { ...s, probes: s.probes + 1 }, probe: s.spell };
}

function open(streak: number, now: number, options: BreakerOptions): BreakerState {
  const coolDown = Math.min(options.maxOpenMs, options.baseOpenMs * 2 ** Math.max(0, streak - 1));
  return { state: 'open', until: now + coolDown, streak };
}

/** Folds the outcome of an admitted request into the state; `probe` is what admission returned. */
export function breakerRecord(
  state: BreakerState | undefined,
  outcome: BreakerOutcome,
  now: number,
  options = DEFAULT_BREAKER,
  probe: number | null = null,
): BreakerState {
  const s = current(state ?? closedBreaker(now), now);
  switch (s.state) {
    case 'open':
      // A late answer to a request sent before it opened: the cool-down stands.
      return s;
    case 'half_open':
      // Answers to requests sent before this spell (or to an earlier spell's probes) say
      // nothing about the backend now, and must not free a probe.
      if (probe !== s.spell) return s;
      if (outcome === 'neutral') return { ...s, probes: Math.max(0, s.probes - 1) };
      if (outcome === 'failure') return open(s.streak + 1, now, options);
      return { ...closedBreaker(now), streak: s.streak };
    case 'closed': {
      if (outcome === 'neutral') return s;
      const fresh = now - s.window.start >= options.windowMs || now < s.window.start;
      const base = fresh ? { start: now, requests: 0, failures: 0 } : s.window;
      const failed = outcome === 'failure';
      const window = {
        start: base.start,
        requests: base.requests + 1,
        failures: base.failures + (failed ? 1 : 0),
      };
      const consecutive = failed ? s.consecutive + 1 : 0;
      const rateTrips =
        window.requests >= options.minRequests &&
        window.failures / window.requests >= options.failureRate;
      if (failed && (consecutive >= options.consecutiveFailures || rateTrips)) {
        const quiet = now - s.closedAt >= options.streakResetMs;
        return open(quiet ? 1 : s.streak + 1, now, options);
      }
      return { ...s, consecutive, window };
    }
  }
}

/** Milliseconds until an open breaker lets a probe through; 0 when it lets requests through now. */
export function breakerRetryAfterMs(state: BreakerState | undefined, now: number): number {
  if (!state || state.state !== 'open') return 0;
  return Math.max(0, state.until - now);
}

export type BreakerPhase = BreakerState['state'];

/** The phase at `now`: an open breaker whose cool-down has ended is half-open (for operators). */
export function breakerPhase(state: BreakerState | undefined, now: number): BreakerPhase {
  return state ? current(state, now).state : 'closed';
}
