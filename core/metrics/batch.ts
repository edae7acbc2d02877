import * as z from 'zod';
import { LATENCY_BUCKETS_S } from './catalogue.ts';
import { METRICS_LIMITS } from './limits.ts';

/** The edge's counters an isolate adds to (EDGE_METRICS keys of type counter). */
export const COUNTER_METRICS = [
  'requests',
  'errors',
  'tokens',
  'cacheLookups',
  'burstJobs',
] as const;
export type CounterMetric = (typeof COUNTER_METRICS)[number];

export const HISTOGRAM_METRICS = ['requestDuration'] as const;
export type HistogramMetric = (typeof HISTOGRAM_METRICS)[number];

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const amount = z.number().nonnegative().finite();
const labels = z.record(z.string().max(64), z.string().max(METRICS_LIMITS.maxLabelValueChars));
const buckets = z.array(count).length(LATENCY_BUCKETS_S.length + 1);

const second = z.object({
  /** The second's start, ms since the epoch. */
  t: z.number().int().nonnegative(),
  requests: count,
  errors: count,
  latency: buckets,
  tokens: count,
  cacheHits: count,
  cacheLookups: count,
});

/** What one isolate sends the metrics hub, about once a second: deltas since its last batch. */
export const metricsBatchSchema = z.object({
  isolate: z.string().min(1).max(64),
  seconds: z.array(second).max(METRICS_LIMITS.maxSecondsPerBatch),
  counters: z
    .array(z.object({ metric: z.enum(COUNTER_METRICS), labels, value: amount }))
    .max(METRICS_LIMITS.maxEntriesPerBatch),
  histograms: z
    .array(z.object({ metric: z.enum(HISTOGRAM_METRICS), labels, buckets, sum: amount }))
    .max(METRICS_LIMITS.maxEntriesPerBatch),
  /** The isolate's gauges now (not deltas). */
  gauges: z.object({ burstInFlight: count }),
});

export type MetricsBatch = z.infer<typeof metricsBatchSchema>;
export type SecondPoint = z.infer<typeof second>;
