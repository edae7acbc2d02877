/**
 * Latency histograms in whole microseconds: what wrk reports (`latency(i)` gives each distinct
 * value and its count) and what the Node client keeps, so runs from either generator and from
 * several rounds merge exactly before percentiles are read.
 */
export type Histogram = Map<number, number>;

export function add(into: Histogram, valueUs: number, count = 1): void {
  const v = Math.max(0, Math.round(valueUs));
  into.set(v, (into.get(v) ?? 0) + count);
}

export function merge(into: Histogram, from: Histogram): void {
  for (const [v, c] of from) add(into, v, c);
}

export function total(h: Histogram): number {
  let n = 0;
  for (const c of h.values()) n += c;
  return n;
}

/** Nearest-rank percentile in milliseconds; NaN for an empty histogram. */
export function percentileMs(h: Histogram, p: number): number {
  const n = total(h);
  if (n === 0) return Number.NaN;
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
  let seen = 0;
  for (const v of [...h.keys()].sort((a, b) => a - b)) {
    seen += h.get(v) ?? 0;
    if (seen >= rank) return v / 1000;
  }
  return Number.NaN;
}

/** The largest value in milliseconds; NaN for an empty histogram. */
export function maxMs(h: Histogram): number {
  return h.size === 0 ? Number.NaN : Math.max(...h.keys()) / 1000;
}

/** How many values are over `limitUs`. */
export function countOver(h: Histogram, limitUs: number): number {
  let n = 0;
  for (const [v, c] of h) if (v > limitUs) n += c;
  return n;
}

/** `[[valueUs, count], ...]`: how a histogram crosses a process boundary as JSON. */
export function toPairs(h: Histogram): Array<[number, number]> {
  return [...h.entries()];
}

export function fromPairs(pairs: ReadonlyArray<readonly [number, number]>): Histogram {
  const h: Histogram = new Map();
  for (const [v, c] of pairs) add(h, v, c);
  return h;
}
