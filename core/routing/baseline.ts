/**
 * The sentinel's drift rule, per backend. For time to first token, milliseconds per output token
 * and the error rate it keeps a slow baseline (half-life 10 minutes) and a fast current estimate
 * (half-life 1 minute), both time-decayed means. When the current estimate drifts from the
 * baseline it raises an alert, which clears with hysteresis. While an alert is active the backend
 * is `degraded` and routing prefers others (choose.ts). Pure: observations and time come in.
 *
 * Latency (each signal on its own; one latency alert per backend):
 *  - A baseline is established once it holds minBaselineSamples samples and a decayed weight of
 *    minBaselineWeight. The current estimate runs only while it is (or while an alert is up).
 *  - Raise: current ≥ max(raiseRatio × baseline, baseline + floor), with a current weight of at
 *    least minCurrentWeight. The floor keeps a tiny baseline (a 40 ms first token) from alarming
 *    on a change nobody would notice.
 *  - Clear, after holdMs: the alert's signal at or under max(clearRatio × baseline,
 *    baseline + floor / 2) with enough weight, and the other signal not one sample away from
 *    raising; or no job observed for staleAfterMs (a degraded backend that gets no traffic
 *    earns a new hearing, like a breaker's half-open), which also restarts the current estimates.
 *
 * Errors: raised at a current rate ≥ errorRaiseRate with minFailures (decayed) failures and enough
 * weight; cleared at ≤ errorClearRate after holdMs, or when stale. Errors are judged against the
 * absolute rate (failing is never normal); the baseline is reported for context.
 *
 * One slow request never raises an alert, and an alert that just cleared is not raised again by
 * the next request: a sample enters the current estimate capped at max(sampleCap × baseline,
 * baseline + 2 × floor), so with the weights the rule asks for, one sample cannot carry the
 * estimate from the clear line to the raise line (baseline.test.ts checks both as properties).
 *
 * A latency baseline does not learn samples over its raise line, and no baseline learns while its
 * alert is up, so a lasting slowdown stays visible instead of becoming the new normal. A node
 * gets fresh baselines when it reconnects.
 */

/** One finished job on a backend, as the edge saw it. */
export interface JobObservation {
  /** From handing the job over to its first token; null when no token came. */
  readonly ttftMs: number | null;
  /** Output tokens generated. */
  readonly tokens: number;
  /** From handing the job over to its end. */
  readonly durationMs: number;
  /** It ended in an error that is the backend's (not the client leaving). */
  readonly failed: boolean;
}

export type AlertKind = 'latency' | 'errors';
export type AlertMetric = 'ttft_ms' | 'ms_per_token' | 'error_rate';

/** An active alert, as operators see it. `current` and `baseline` are in the metric's unit. */
export interface SentinelAlert {
  readonly backend: string;
  readonly kind: AlertKind;
  readonly metric: AlertMetric;
  readonly current: number;
  readonly baseline: number;
  /** When it was raised (the caller's clock, ms). */
  readonly since: number;
}

/**
 * recovered: back under the clear line; stale: no job observed for staleAfterMs;
 * disconnected: the backend left (or reconnected, starting fresh baselines).
 */
export type ClearReason = 'recovered' | 'stale' | 'disconnected';

export interface ClearedAlert extends SentinelAlert {
  readonly clearedAt: number;
  readonly reason: ClearReason;
}

export type SentinelEvent =
  | { readonly type: 'raised'; readonly alert: SentinelAlert }
  | { readonly type: 'cleared'; readonly alert: ClearedAlert };

export interface SentinelOptions {
  /** The baseline's half-life. */
  readonly slowHalfLifeMs: number;
  /** The current estimate's half-life. */
  readonly fastHalfLifeMs: number;
  /** Samples a latency baseline needs before it can raise an alert. */
  readonly minBaselineSamples: number;
  /** Decayed weight a latency baseline needs before it can raise an alert (it must be recent). */
  readonly minBaselineWeight: number;
  /** Decayed weight of recent samples the current estimate needs for a verdict either way. */
  readonly minCurrentWeight: number;
  /** A latency sample counts at most this many times the baseline (see the floor too). */
  readonly sampleCap: number;
  readonly latencyRaiseRatio: number;
  readonly latencyClearRatio: number;
  /** Smallest rise of time to first token that can raise an alert. */
  readonly ttftFloorMs: number;
  /** Smallest rise of milliseconds per token that can raise an alert. */
  readonly perTokenFloorMs: number;
  readonly errorRaiseRate: number;
  readonly errorClearRate: number;
  /** Decayed failures needed to raise an error alert. */
  readonly minFailures: number;
  /** An alert stays up at least this long before it can clear as recovered. */
  readonly holdMs: number;
  /** No job observed this long: active alerts clear and the current estimates start afresh. */
  readonly staleAfterMs: number;
}

export const DEFAULT_SENTINEL: SentinelOptions = {
  slowHalfLifeMs: 600_000,
  fastHalfLifeMs: 60_000,
  minBaselineSamples: 20,
  minBaselineWeight: 5,
  minCurrentWeight: 5,
  sampleCap: 3,
  latencyRaiseRatio: 2,
  latencyClearRatio: 1.5,
  ttftFloorMs: 250,
  perTokenFloorMs: 20,
  errorRaiseRate: 0.25,
  errorClearRate: 0.1,
  minFailures: 3,
  holdMs: 30_000,
  staleAfterMs: 300_000,
};

/** A time-decayed mean: each sample weighs 2^(-age / half-life); `at` is when it was last decayed. */
export interface DecayedMean {
  readonly sum: number;
  readonly weight: number;
  readonly at: number;
}

const EMPTY_MEAN: DecayedMean = { sum: 0, weight: 0, at: 0 };

/** A clock stepping back counts as no time and never moves `at` back. */
function decayTo(m: DecayedMean, now: number, halfLifeMs: number): DecayedMean {
  const f = 2 ** (-Math.max(0, now - m.at) / halfLifeMs);
  return { sum: m.sum * f, weight: m.weight * f, at: Math.max(now, m.at) };
}

function addSample(m: DecayedMean, x: number, now: number, halfLifeMs: number): DecayedMean {
  const d = decayTo(m, now, halfLifeMs);
  return { sum: d.sum + x, weight: d.weight + 1, at: d.at };
}

function meanOf(m: DecayedMean): number | null {
  return m.weight > 0 ? m.sum / m.weight : null;
}

/** One signal's estimates. */
export interface SignalEstimate {
  /** The baseline. */
  readonly slow: DecayedMean;
  /** The current estimate over capped samples: what the verdict reads. */
  readonly fast: DecayedMean;
  /** The current estimate over the samples as given (same weights): what an alert reports. */
  readonly fastRaw: DecayedMean;
  /** Samples taken into the baseline so far. */
  readonly samples: number;
}

const EMPTY_SIGNAL: SignalEstimate = {
  slow: EMPTY_MEAN,
  fast: EMPTY_MEAN,
  fastRaw: EMPTY_MEAN,
  samples: 0,
};

interface Raised {
  readonly metric: AlertMetric;
  readonly since: number;
}

/** What the sentinel knows of one backend. Plain data. */
export interface Baselines {
  readonly backend: string;
  readonly ttft: SignalEstimate;
  readonly perToken: SignalEstimate;
  readonly errors: SignalEstimate;
  /** When the last job was observed; null before the first. */
  readonly lastSampleAt: number | null;
  readonly raised: { readonly latency: Raised | null; readonly errors: Raised | null };
}

export interface SentinelStep {
  readonly state: Baselines;
  /** Transitions, in order: what the caller logs. */
  readonly events: readonly SentinelEvent[];
}

type LatencySignal = 'ttft' | 'perToken';
type SignalName = LatencySignal | 'errors';

const SIGNAL_OF: Readonly<Record<AlertMetric, SignalName>> = {
  ttft_ms: 'ttft',
  ms_per_token: 'perToken',
  error_rate: 'errors',
};
const METRIC_OF: Readonly<Record<LatencySignal, AlertMetric>> = {
  ttft: 'ttft_ms',
  perToken: 'ms_per_token',
};
const LATENCY_SIGNALS: readonly LatencySignal[] = ['ttft', 'perToken'];

export function freshBaselines(backend: string): Baselines {
  return {
    backend,
    ttft: EMPTY_SIGNAL,
    perToken: EMPTY_SIGNAL,
    errors: EMPTY_SIGNAL,
    lastSampleAt: null,
    raised: { latency: null, errors: null },
  };
}

/** Whether an alert is active: routing uses the backend only when no other has room. */
export function isDegraded(state: Baselines): boolean {
  return state.raised.latency !== null || state.raised.errors !== null;
}

export interface LatencyLines {
  readonly raise: number;
  readonly clear: number;
  /** The most one sample counts for in the current estimate. */
  readonly cap: number;
}

/** The raise, clear and cap lines of a latency signal over `baseline`. */
export function latencyLines(
  signal: LatencySignal,
  baseline: number,
  options: SentinelOptions = DEFAULT_SENTINEL,
): LatencyLines {
  const floor = signal === 'ttft' ? options.ttftFloorMs : options.perTokenFloorMs;
  return {
    raise: Math.max(options.latencyRaiseRatio * baseline, baseline + floor),
    clear: Math.max(options.latencyClearRatio * baseline, baseline + floor / 2),
    cap: Math.max(options.sampleCap * baseline, baseline + 2 * floor),
  };
}

/** The samples one observation gives each signal (none for a latency it did not measure). */
export function samplesOf(o: JobObservation): {
  readonly ttft: number | null;
  readonly perToken: number | null;
  readonly errors: number;
} {
  const decode =
    !o.failed && o.ttftMs !== null && o.tokens >= 2
      ? Math.max(0, o.durationMs - o.ttftMs) / (o.tokens - 1)
      : null;
  return { ttft: o.ttftMs, perToken: decode, errors: o.failed ? 1 : 0 };
}

function established(s: SignalEstimate, now: number, options: SentinelOptions): boolean {
  return (
    s.samples >= options.minBaselineSamples &&
    decayTo(s.slow, now, options.slowHalfLifeMs).weight >= options.minBaselineWeight
  );
}

/**
 * One latency sample. The current estimate takes it (capped) while the baseline is established
 * or an alert is up, and starts afresh otherwise. The baseline takes it unless an alert is up or,
 * once established, it is over the raise line: what the baseline is there to catch must not
 * become part of it.
 */
function updateLatency(
  s: SignalEstimate,
  signal: LatencySignal,
  sample: number | null,
  alerted: boolean,
  now: number,
  options: SentinelOptions,
): SignalEstimate {
  if (sample === null) return s;
  const ready = established(s, now, options);
  const base = meanOf(s.slow);
  const lines = (ready || alerted) && base !== null ? latencyLines(signal, base, options) : null;
  const learn = !alerted && (!ready || lines === null || sample < lines.raise);
  const { fastHalfLifeMs: fastMs, slowHalfLifeMs: slowMs } = options;
  return {
    slow: learn ? addSample(s.slow, sample, now, slowMs) : s.slow,
    samples: learn ? s.samples + 1 : s.samples,
    fast: lines ? addSample(s.fast, Math.min(sample, lines.cap), now, fastMs) : EMPTY_MEAN,
    fastRaw: lines ? addSample(s.fastRaw, sample, now, fastMs) : EMPTY_MEAN,
  };
}

/** One error sample (0 or 1): always in the current estimate; in the baseline unless alerted. */
function updateErrors(
  s: SignalEstimate,
  sample: number,
  alerted: boolean,
  now: number,
  options: SentinelOptions,
): SignalEstimate {
  const fast = addSample(s.fast, sample, now, options.fastHalfLifeMs);
  return {
    slow: alerted ? s.slow : addSample(s.slow, sample, now, options.slowHalfLifeMs),
    samples: alerted ? s.samples : s.samples + 1,
    fast,
    fastRaw: fast,
  };
}

/** Folds one finished job into the backend's estimates and returns the alerts it raises or clears. */
export function observeJob(
  state: Baselines,
  observation: JobObservation,
  now: number,
  options: SentinelOptions = DEFAULT_SENTINEL,
): SentinelStep {
  const swept = sweepBaselines(state, now, options);
  const s = swept.state;
  const samples = samplesOf(observation);
  const alerted = s.raised.latency !== null;
  // Raising needs a baseline that was established before this sample came.
  const ready = {
    ttft: established(s.ttft, now, options),
    perToken: established(s.perToken, now, options),
  };
  const next: Baselines = {
    ...s,
    ttft: updateLatency(s.ttft, 'ttft', samples.ttft, alerted, now, options),
    perToken: updateLatency(s.perToken, 'perToken', samples.perToken, alerted, now, options),
    errors: updateErrors(s.errors, samples.errors, s.raised.errors !== null, now, options),
    lastSampleAt: Math.max(now, s.lastSampleAt ?? now),
  };
  const latency = judgeLatency(next, ready, now, options);
  const errors = judgeErrors(latency.state, now, options);
  return { state: errors.state, events: [...swept.events, ...latency.events, ...errors.events] };
}

/** What a latency signal reads now. */
interface Reading extends LatencyLines {
  readonly current: number;
  readonly weight: number;
}

function readLatency(
  state: Baselines,
  signal: LatencySignal,
  now: number,
  options: SentinelOptions,
): Reading | null {
  const est = state[signal];
  const base = meanOf(est.slow);
  const current = meanOf(est.fast);
  if (base === null || current === null) return null;
  const weight = decayTo(est.fast, now, options.fastHalfLifeMs).weight;
  return { ...latencyLines(signal, base, options), current, weight };
}

function judgeLatency(
  state: Baselines,
  ready: Readonly<Record<LatencySignal, boolean>>,
  now: number,
  options: SentinelOptions,
): SentinelStep {
  const raised = state.raised.latency;
  if (raised === null) {
    let worst: { signal: LatencySignal; excess: number } | null = null;
    for (const signal of LATENCY_SIGNALS) {
      const r = readLatency(state, signal, now, options);
      if (!ready[signal] || !r || r.weight < options.minCurrentWeight || r.current < r.raise)
        continue;
      const excess = r.current / r.raise;
      if (!worst || excess > worst.excess) worst = { signal, excess };
    }
    if (!worst) return { state, events: [] };
    const next = {
      ...state,
      raised: { ...state.raised, latency: { metric: METRIC_OF[worst.signal], since: now } },
    };
    return { state: next, events: [{ type: 'raised', alert: alertOf(next, 'latency') }] };
  }
  if (now - raised.since < options.holdMs) return { state, events: [] };
  const own = SIGNAL_OF[raised.metric];
  const recovered = LATENCY_SIGNALS.every((signal) => {
    const r = readLatency(state, signal, now, options);
    if (signal === own)
      return r !== null && r.weight >= options.minCurrentWeight && r.current <= r.clear;
    // Another signal must not be one sample away from raising the alert again.
    return (
      r === null ||
      r.current <= r.clear ||
      r.weight < options.minCurrentWeight - 1 ||
      !established(state[signal], now, options)
    );
  });
  return recovered ? clear(state, 'latency', 'recovered', now) : { state, events: [] };
}

function judgeErrors(state: Baselines, now: number, options: SentinelOptions): SentinelStep {
  const fast = decayTo(state.errors.fast, now, options.fastHalfLifeMs);
  const rate = meanOf(fast);
  const enough = fast.weight >= options.minCurrentWeight && rate !== null;
  const raised = state.raised.errors;
  if (raised === null) {
    if (!enough || rate < options.errorRaiseRate || fast.sum < options.minFailures)
      return { state, events: [] };
    const next = {
      ...state,
      raised: { ...state.raised, errors: { metric: 'error_rate' as const, since: now } },
    };
    return { state: next, events: [{ type: 'raised', alert: alertOf(next, 'errors') }] };
  }
  if (now - raised.since < options.holdMs || !enough || rate > options.errorClearRate)
    return { state, events: [] };
  return clear(state, 'errors', 'recovered', now);
}

function clear(state: Baselines, kind: AlertKind, reason: ClearReason, now: number): SentinelStep {
  if (state.raised[kind] === null) return { state, events: [] };
  const alert: ClearedAlert = { ...alertOf(state, kind), clearedAt: now, reason };
  const next = { ...state, raised: { ...state.raised, [kind]: null } };
  return { state: next, events: [{ type: 'cleared', alert }] };
}

/**
 * Clears the alerts of a backend no job has been observed on for staleAfterMs, and starts its
 * current estimates afresh (old samples must not decide its next hearing). Call on reads.
 */
export function sweepBaselines(
  state: Baselines,
  now: number,
  options: SentinelOptions = DEFAULT_SENTINEL,
): SentinelStep {
  if (!isDegraded(state) || state.lastSampleAt === null) return { state, events: [] };
  if (now - state.lastSampleAt < options.staleAfterMs) return { state, events: [] };
  const latency = clear(state, 'latency', 'stale', now);
  const errors = clear(latency.state, 'errors', 'stale', now);
  const afresh = (s: SignalEstimate): SignalEstimate => ({
    ...s,
    fast: EMPTY_MEAN,
    fastRaw: EMPTY_MEAN,
  });
  const s = errors.state;
  return {
    state: { ...s, ttft: afresh(s.ttft), perToken: afresh(s.perToken), errors: afresh(s.errors) },
    events: [...latency.events, ...errors.events],
  };
}

/** The backend leaves (or reconnects): its active alerts clear as `disconnected`. */
export function closeBaselines(state: Baselines, now: number): readonly SentinelEvent[] {
  return [
    ...clear(state, 'latency', 'disconnected', now).events,
    ...clear(state, 'errors', 'disconnected', now).events,
  ];
}

/** The active alerts, with current and baseline as of the last observation. */
export function alertsOf(state: Baselines): SentinelAlert[] {
  const out: SentinelAlert[] = [];
  if (state.raised.latency) out.push(alertOf(state, 'latency'));
  if (state.raised.errors) out.push(alertOf(state, 'errors'));
  return out;
}

/** Latency to 0.1 ms, rates to 0.001: enough for an operator, and stable JSON. */
function rounded(metric: AlertMetric, value: number): number {
  const step = metric === 'error_rate' ? 1000 : 10;
  return Math.round(value * step) / step;
}

function alertOf(state: Baselines, kind: AlertKind): SentinelAlert {
  const raised = state.raised[kind];
  const metric = raised?.metric ?? (kind === 'errors' ? 'error_rate' : 'ttft_ms');
  const est = state[SIGNAL_OF[metric]];
  return {
    backend: state.backend,
    kind,
    metric,
    current: rounded(metric, meanOf(est.fastRaw) ?? 0),
    baseline: rounded(metric, meanOf(est.slow) ?? 0),
    since: raised?.since ?? 0,
  };
}

export type ParsedObservation =
  | { readonly ok: true; readonly observation: JobObservation }
  | { readonly ok: false; readonly reason: string };

const isMeasure = (v: unknown): v is number =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * Checks an observation that crossed a boundary (an RPC): finite non-negative numbers, a whole
 * number of tokens, a boolean `failed`. Returns a copy holding only those fields.
 */
export function parseJobObservation(value: unknown): ParsedObservation {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, reason: 'not an object' };
  const { ttftMs, tokens, durationMs, failed } = value as Record<string, unknown>;
  if (ttftMs !== null && !isMeasure(ttftMs))
    return { ok: false, reason: 'ttftMs: must be null or a finite number ≥ 0' };
  if (!isMeasure(tokens) || !Number.isSafeInteger(tokens))
    return { ok: false, reason: 'tokens: must be a whole number ≥ 0' };
  if (!isMeasure(durationMs))
    return { ok: false, reason: 'durationMs: must be a finite number ≥ 0' };
  if (typeof failed !== 'boolean') return { ok: false, reason: 'failed: must be a boolean' };
  return { ok: true, observation: { ttftMs, tokens, durationMs, failed } };
}
