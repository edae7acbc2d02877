import type { DashboardSeries, DashboardTotals } from '../dashboard/wire.ts';
import {
  COUNTER_METRICS,
  type CounterMetric,
  type HistogramMetric,
  type MetricsBatch,
  type SecondPoint,
} from './batch.ts';
import { EDGE_METRICS } from './catalogue.ts';
import { addInto, emptyBuckets, quantileOf } from './histogram.ts';
import { METRICS_LIMITS, TRAFFIC_ROUTES, type RouteGroup } from './limits.ts';
import type { CounterFamily, HistogramFamily } from './prometheus-text.ts';
import { labelValues, seriesKey } from './series-key.ts';

interface CounterSeries {
  readonly values: string[];
  value: number;
}

interface HistogramSeries {
  readonly values: string[];
  readonly buckets: number[];
  sum: number;
}

/** What the store keeps across restarts: cumulative counters and histograms. */
export interface StoredMetrics {
  readonly counters: Record<string, [string[], number][]>;
  readonly histograms: Record<string, [string[], number[], number][]>;
}

const sumOf = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * The edge's metrics merged from every isolate's batches: cumulative counters and histograms
 * (for /metrics and the totals), a window of per-second points (the live view's charts), and each
 * isolate's latest gauges, counted while it flushes. Time comes from the caller.
 */
export class MetricsStore {
  private readonly counters = new Map<CounterMetric, Map<string, CounterSeries>>();
  private readonly histograms = new Map<HistogramMetric, Map<string, HistogramSeries>>();
  private readonly window = new Map<number, SecondPoint>();
  private readonly gauges = new Map<string, { burstInFlight: number; at: number }>();
  private droppedSeries = 0;

  apply(batch: MetricsBatch, now: number): void {
    for (const c of batch.counters) {
      const series = this.counterSeries(c.metric, labelValues(EDGE_METRICS[c.metric], c.labels));
      if (series) series.value += c.value;
    }
    for (const h of batch.histograms) {
      const values = labelValues(EDGE_METRICS[h.metric], h.labels);
      const series = this.histogramSeries(h.metric, values);
      if (!series) continue;
      addInto(series.buckets, h.buckets);
      series.sum += h.sum;
    }
    const oldest = now - METRICS_LIMITS.windowSeconds * 1000;
    for (const p of batch.seconds) {
      // A point from a skewed or stale clock outside the window is not kept.
      if (p.t < oldest || p.t > now + 60_000) continue;
      const at = this.window.get(p.t);
      if (!at) {
        this.window.set(p.t, { ...p, latency: [...p.latency] });
        continue;
      }
      at.requests += p.requests;
      at.errors += p.errors;
      at.tokens += p.tokens;
      at.cacheHits += p.cacheHits;
      at.cacheLookups += p.cacheLookups;
      addInto(at.latency, p.latency);
    }
    this.gauges.set(batch.isolate, { burstInFlight: batch.gauges.burstInFlight, at: now });
    this.prune(now);
  }

  /** Jobs in flight to the Function App over the isolates heard from lately. */
  burstInFlight(now: number): number {
    let total = 0;
    for (const g of this.gauges.values()) {
      if (now - g.at <= METRICS_LIMITS.isolateGaugeTtlMs) total += g.burstInFlight;
    }
    return total;
  }

  /** Label sets refused because a metric held its maximum. */
  get dropped(): number {
    return this.droppedSeries;
  }

  /** The last `seconds` whole seconds before `now`, one point each, oldest first. */
  series(now: number, seconds: number): DashboardSeries {
    const span = Math.max(1, Math.min(seconds, METRICS_LIMITS.windowSeconds));
    const last = Math.floor(now / 1000) * 1000 - 1000;
    const t: number[] = [];
    const requestsPerS: number[] = [];
    const errorsPerS: number[] = [];
    const p50Ms: (number | null)[] = [];
    const p95Ms: (number | null)[] = [];
    const p99Ms: (number | null)[] = [];
    const tokensPerS: number[] = [];
    const cacheHitsPerS: number[] = [];
    const cacheLookupsPerS: number[] = [];
    const ms = (s: number | null) => (s === null ? null : Math.round(s * 10_000) / 10);
    for (let at = last - (span - 1) * 1000; at <= last; at += 1000) {
      const p = this.window.get(at);
      const latency = p?.latency ?? emptyBuckets();
      t.push(at);
      requestsPerS.push(p?.requests ?? 0);
      errorsPerS.push(p?.errors ?? 0);
      p50Ms.push(ms(quantileOf(latency, 0.5)));
      p95Ms.push(ms(quantileOf(latency, 0.95)));
      p99Ms.push(ms(quantileOf(latency, 0.99)));
      tokensPerS.push(p?.tokens ?? 0);
      cacheHitsPerS.push(p?.cacheHits ?? 0);
      cacheLookupsPerS.push(p?.cacheLookups ?? 0);
    }
    return {
      t,
      requestsPerS,
      errorsPerS,
      p50Ms,
      p95Ms,
      p99Ms,
      tokensPerS,
      cacheHitsPerS,
      cacheLookupsPerS,
    };
  }

  totals(): DashboardTotals {
    const sum = (metric: CounterMetric, match: (values: string[]) => boolean) =>
      sumOf(
        [...(this.counters.get(metric)?.values() ?? [])]
          .filter((s) => match(s.values))
          .map((s) => s.value),
      );
    // The fleet's traffic only (TRAFFIC_ROUTES), as the live series count it; /metrics has all.
    const traffic = (values: string[]) => TRAFFIC_ROUTES.has((values[0] ?? '') as RouteGroup);
    const errorsByClass: Record<string, number> = {};
    for (const s of this.counters.get('errors')?.values() ?? []) {
      if (!traffic(s.values)) continue;
      const cls = s.values[1] ?? '';
      errorsByClass[cls] = (errorsByClass[cls] ?? 0) + s.value;
    }
    return {
      requests: sum('requests', traffic),
      errors: sum('errors', traffic),
      promptTokens: sum('tokens', (v) => v[1] === 'prompt'),
      completionTokens: sum('tokens', (v) => v[1] === 'completion'),
      cacheHits: sum('cacheLookups', (v) => v[0] === 'hit'),
      cacheSemanticHits: sum('cacheLookups', (v) => v[0] === 'semantic_hit'),
      cacheMisses: sum('cacheLookups', (v) => v[0] === 'miss'),
      errorsByClass,
    };
  }

  /** Counter and histogram families for the Prometheus text. */
  families(): { counters: CounterFamily[]; histograms: HistogramFamily[] } {
    const counters: CounterFamily[] = [];
    for (const [metric, series] of this.counters) {
      counters.push({
        spec: EDGE_METRICS[metric],
        samples: [...series.values()].map((s) => ({ values: s.values, value: s.value })),
      });
    }
    const histograms: HistogramFamily[] = [];
    for (const [metric, series] of this.histograms) {
      histograms.push({
        spec: EDGE_METRICS[metric],
        samples: [...series.values()].map((s) => ({
          values: s.values,
          buckets: s.buckets,
          sum: s.sum,
        })),
      });
    }
    return { counters, histograms };
  }

  /** The cumulative part, to keep across a restart. */
  stored(): StoredMetrics {
    const counters: StoredMetrics['counters'] = {};
    for (const [metric, series] of this.counters)
      counters[metric] = [...series.values()].map((s) => [s.values, s.value]);
    const histograms: StoredMetrics['histograms'] = {};
    for (const [metric, series] of this.histograms)
      histograms[metric] = [...series.values()].map((s) => [s.values, s.buckets, s.sum]);
    return { counters, histograms };
  }

  /** Restores what `stored` gave (a fresh store only); entries of unknown metrics are skipped. */
  restore(stored: StoredMetrics): void {
    for (const [metric, rows] of Object.entries(stored.counters)) {
      if (!isCounter(metric)) continue;
      for (const [values, value] of rows) {
        const s = this.counterSeries(metric, values);
        if (s) s.value += value;
      }
    }
    for (const [metric, rows] of Object.entries(stored.histograms)) {
      if (metric !== 'requestDuration') continue;
      for (const [values, buckets, sum] of rows) {
        const s = this.histogramSeries(metric, values);
        if (!s) continue;
        addInto(s.buckets, buckets);
        s.sum += sum;
      }
    }
  }

  private counterSeries(metric: CounterMetric, values: string[]): CounterSeries | null {
    return this.seriesIn(this.counters, metric, values, () => ({ values, value: 0 }));
  }

  private histogramSeries(metric: HistogramMetric, values: string[]): HistogramSeries | null {
    return this.seriesIn(this.histograms, metric, values, () => ({
      values,
      buckets: emptyBuckets(),
      sum: 0,
    }));
  }

  /** A metric's series for these label values, made on first use; null once the metric is full. */
  private seriesIn<M, S>(
    metrics: Map<M, Map<string, S>>,
    metric: M,
    values: string[],
    make: () => S,
  ): S | null {
    let all = metrics.get(metric);
    if (!all) {
      all = new Map();
      metrics.set(metric, all);
    }
    const key = seriesKey(values);
    let s = all.get(key);
    if (!s) {
      if (all.size >= METRICS_LIMITS.maxSeriesPerMetric) {
        this.droppedSeries++;
        return null;
      }
      s = make();
      all.set(key, s);
    }
    return s;
  }

  private prune(now: number): void {
    const oldest = now - METRICS_LIMITS.windowSeconds * 1000;
    for (const t of this.window.keys()) if (t < oldest) this.window.delete(t);
    for (const [isolate, g] of this.gauges) {
      if (now - g.at > 10 * METRICS_LIMITS.isolateGaugeTtlMs) this.gauges.delete(isolate);
    }
  }
}

const COUNTERS: ReadonlySet<string> = new Set(COUNTER_METRICS);
function isCounter(metric: string): metric is CounterMetric {
  return COUNTERS.has(metric);
}
