import type { CounterMetric, HistogramMetric, MetricsBatch, SecondPoint } from './batch.ts';
import { EDGE_METRICS } from './catalogue.ts';
import { errorClass, routeGroup, statusClass } from './classify.ts';
import { bucketOf, emptyBuckets } from './histogram.ts';
import { METRICS_LIMITS, TRAFFIC_ROUTES } from './limits.ts';
import { type Labels, labelValues, seriesKey } from './series-key.ts';

export type CacheOutcome = 'hit' | 'semantic_hit' | 'miss';

interface CounterCell {
  readonly metric: CounterMetric;
  readonly labels: Labels;
  value: number;
}

interface HistogramCell {
  readonly metric: HistogramMetric;
  readonly labels: Labels;
  readonly buckets: number[];
  sum: number;
}

function labelsOf(metric: keyof typeof EDGE_METRICS, labels: Labels): Labels {
  const spec = EDGE_METRICS[metric];
  const values = labelValues(spec, labels);
  return Object.fromEntries(spec.labels.map((name, i) => [name, values[i] ?? '']));
}

/**
 * One isolate's metrics since its last flush: counters, histograms and per-second points for the
 * live view. The caller passes the time of each event and drains a batch about once a second.
 */
export class MetricsRecorder {
  private readonly isolate: string;
  private counters = new Map<string, CounterCell>();
  private histograms = new Map<string, HistogramCell>();
  private points = new Map<number, SecondPoint>();
  private burstInFlight = 0;

  constructor(isolate: string) {
    this.isolate = isolate;
  }

  /** An HTTP answer: `seconds` from arrival to its headers. */
  http(now: number, path: string, status: number, seconds: number): void {
    const route = routeGroup(path);
    const failed = errorClass(status);
    this.add('requests', { route, status_class: statusClass(status) }, 1);
    if (failed !== null) this.add('errors', { route, class: failed }, 1);
    this.observe('requestDuration', { route }, seconds);
    if (!TRAFFIC_ROUTES.has(route)) return;
    const point = this.point(now);
    point.requests++;
    if (failed !== null) point.errors++;
    const slot = bucketOf(seconds);
    point.latency[slot] = (point.latency[slot] ?? 0) + 1;
  }

  /** Tokens of a settled request. `backend` is a usage backend ("node:gpu-1", "cache", ...). */
  tokens(now: number, tenant: string, backend: string, prompt: number, completion: number): void {
    const kind = backend.split(':', 1)[0] ?? 'none';
    const safe = (n: number) => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);
    const p = safe(prompt);
    const c = safe(completion);
    if (p > 0) this.add('tokens', { tenant, direction: 'prompt', backend_kind: kind }, p);
    if (c > 0) this.add('tokens', { tenant, direction: 'completion', backend_kind: kind }, c);
    this.point(now).tokens += p + c;
  }

  cache(now: number, outcome: CacheOutcome): void {
    this.add('cacheLookups', { outcome }, 1);
    const point = this.point(now);
    point.cacheLookups++;
    if (outcome !== 'miss') point.cacheHits++;
  }

  burstStarted(): void {
    this.burstInFlight++;
  }

  burstSettled(ok: boolean): void {
    this.burstInFlight = Math.max(0, this.burstInFlight - 1);
    this.add('burstJobs', { outcome: ok ? 'ok' : 'failed' }, 1);
  }

  /** Whether anything happened since the last drain (gauges aside). */
  get pending(): boolean {
    return this.counters.size > 0 || this.histograms.size > 0 || this.points.size > 0;
  }

  /** The batch of everything since the last drain; the recorder starts over (gauges stay). */
  drain(): MetricsBatch {
    const batch: MetricsBatch = {
      isolate: this.isolate,
      seconds: [...this.points.values()]
        .sort((a, b) => a.t - b.t)
        .slice(-METRICS_LIMITS.maxSecondsPerBatch),
      counters: [...this.counters.values()]
        .slice(0, METRICS_LIMITS.maxEntriesPerBatch)
        .map((c) => ({ metric: c.metric, labels: { ...c.labels }, value: c.value })),
      histograms: [...this.histograms.values()]
        .slice(0, METRICS_LIMITS.maxEntriesPerBatch)
        .map((h) => ({
          metric: h.metric,
          labels: { ...h.labels },
          buckets: h.buckets,
          sum: h.sum,
        })),
      gauges: { burstInFlight: this.burstInFlight },
    };
    this.counters = new Map();
    this.histograms = new Map();
    this.points = new Map();
    return batch;
  }

  private add(metric: CounterMetric, raw: Labels, value: number): void {
    const labels = labelsOf(metric, raw);
    const key = `${metric}${seriesKey(Object.values(labels))}`;
    const cell = this.counters.get(key);
    if (cell) cell.value += value;
    else this.counters.set(key, { metric, labels, value });
  }

  private observe(metric: HistogramMetric, raw: Labels, seconds: number): void {
    const labels = labelsOf(metric, raw);
    const key = `${metric}${seriesKey(Object.values(labels))}`;
    let cell = this.histograms.get(key);
    if (!cell) {
      cell = { metric, labels, buckets: emptyBuckets(), sum: 0 };
      this.histograms.set(key, cell);
    }
    const slot = bucketOf(seconds);
    cell.buckets[slot] = (cell.buckets[slot] ?? 0) + 1;
    cell.sum += Math.max(0, seconds);
  }

  private point(now: number): SecondPoint {
    const t = Math.floor(now / 1000) * 1000;
    let point = this.points.get(t);
    if (!point) {
      point = {
        t,
        requests: 0,
        errors: 0,
        latency: emptyBuckets(),
        tokens: 0,
        cacheHits: 0,
        cacheLookups: 0,
      };
      this.points.set(t, point);
    }
    return point;
  }
}
