/** What one load phase measured against one target, whichever generator ran it. */
import { fromPairs, merge, toPairs, type Histogram } from './histogram.ts';

export interface PhaseResult {
  /** Answers with a 2xx status. */
  requests: number;
  /** Other statuses, socket errors and timeouts. */
  errors: number;
  /** Wall time of the phase. */
  seconds: number;
  /**
   * Time to the whole answer, µs, as the generator counts it: wrk's own histogram, corrected
   * for coordinated omission (see wrk.lua), or the node:http client's, every request as measured.
   */
  readonly latency: Histogram;
  /**
   * Time to the whole answer of every 2xx request as measured, µs: always from the node:http
   * client, from wrk only when run with `measured` (see generator.ts); empty otherwise.
   */
  readonly measured: Histogram;
  /** Time to the first byte of the body (the client's first-byte phases only), µs. */
  readonly firstByte: Histogram;
  /** Time until every request of a burst was answered, ms (burst phases only). */
  readonly makespansMs: number[];
}

export function emptyPhase(): PhaseResult {
  return {
    requests: 0,
    errors: 0,
    seconds: 0,
    latency: new Map(),
    measured: new Map(),
    firstByte: new Map(),
    makespansMs: [],
  };
}

export function mergePhase(into: PhaseResult, from: PhaseResult): void {
  into.requests += from.requests;
  into.errors += from.errors;
  into.seconds += from.seconds;
  merge(into.latency, from.latency);
  merge(into.measured, from.measured);
  merge(into.firstByte, from.firstByte);
  into.makespansMs.push(...from.makespansMs);
}

/** Answers per second over all the merged phases. */
export function rps(r: PhaseResult): number {
  return r.seconds > 0 ? r.requests / r.seconds : Number.NaN;
}

/** The JSON a child process prints for a PhaseResult. */
export interface PhaseWire {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly latency: Array<[number, number]>;
  readonly measured: Array<[number, number]>;
  readonly firstByte: Array<[number, number]>;
  readonly makespansMs: number[];
}

export function toWire(r: PhaseResult): PhaseWire {
  return {
    requests: r.requests,
    errors: r.errors,
    seconds: r.seconds,
    latency: toPairs(r.latency),
    measured: toPairs(r.measured),
    firstByte: toPairs(r.firstByte),
    makespansMs: r.makespansMs,
  };
}

export function fromWire(w: PhaseWire): PhaseResult {
  return {
    requests: w.requests,
    errors: w.errors,
    seconds: w.seconds,
    latency: fromPairs(w.latency),
    measured: fromPairs(w.measured),
    firstByte: fromPairs(w.firstByte),
    makespansMs: [...w.makespansMs],
  };
}
