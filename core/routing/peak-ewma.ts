/**
 * Peak-EWMA latency per backend (the idea behind Finagle's and Linkerd's balancers): a slow
 * sample is believed at once, fast samples are believed gradually. A backend that just stalled
 * is avoided immediately and earns traffic back over a few time constants, instead of a mean
 * hiding the stall. Pure: the caller passes the time.
 */

export interface PeakEwma {
  readonly estimateMs: number;
  /** When the estimate was last moved, in the caller's clock (ms). */
  readonly at: number;
}

export interface PeakEwmaOptions {
  /** Time constant of the decay: after this long an old estimate keeps ~37 % of its weight. */
  readonly decayMs: number;
  /** Estimate for a backend with no samples, and what an idle estimate drifts back to. */
  readonly initialMs: number;
}

export const DEFAULT_PEAK_EWMA: PeakEwmaOptions = { decayMs: 10_000, initialMs: 500 };

/** Weight the old estimate keeps after `elapsedMs`; a clock that steps back counts as no time. */
function keep(elapsedMs: number, decayMs: number): number {
  return Math.exp(-Math.max(0, elapsedMs) / decayMs);
}

/** Folds one latency sample into the estimate. */
export function observeLatency(
  state: PeakEwma | undefined,
  sampleMs: number,
  now: number,
  options: PeakEwmaOptions = DEFAULT_PEAK_EWMA,
): PeakEwma {
  const sample = Math.max(0, sampleMs);
  if (!state) return { estimateMs: sample, at: now };
  // The peak: a sample above the estimate replaces it outright.
  if (sample > state.estimateMs) return { estimateMs: sample, at: Math.max(now, state.at) };
  const w = keep(now - state.at, options.decayMs);
  return { estimateMs: state.estimateMs * w + sample * (1 - w), at: Math.max(now, state.at) };
}

/**
 * The estimate as of `now`: with no samples for a while it drifts back to the neutral initial
 * value, so one old stall does not exile a backend forever and an old lucky streak does not
 * make an idle backend look faster than it is.
 */
export function latencyAt(
  state: PeakEwma | undefined,
  now: number,
  options: PeakEwmaOptions = DEFAULT_PEAK_EWMA,
): number {
  if (!state) return options.initialMs;
  const w = keep(now - state.at, options.decayMs);
  return state.estimateMs * w + options.initialMs * (1 - w);
}

/**
 * Expected wait for one more request: the latency estimate times the work it queues behind, so
 * a fast backend stops looking best once it is loaded.
 */
export function peakEwmaCost(
  state: PeakEwma | undefined,
  outstanding: number,
  now: number,
  options: PeakEwmaOptions = DEFAULT_PEAK_EWMA,
): number {
  return latencyAt(state, now, options) * (Math.max(0, outstanding) + 1);
}
