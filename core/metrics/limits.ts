/** Limits of the edge's metrics, defined once: the recorder, the hub's validation and its store. */
export const METRICS_LIMITS = {
  /** Label sets one metric may hold; more are counted in `dropped` and not stored. */
  maxSeriesPerMetric: 2000,
  /** A label value's length; longer values are cut (a tenant or a node id fits). */
  maxLabelValueChars: 128,
  /** Seconds of per-second points the hub keeps for the live view. */
  windowSeconds: 900,
  /** Seconds a batch may carry (an isolate flushes about once a second). */
  maxSecondsPerBatch: 120,
  /** Counter and histogram entries one batch may carry. */
  maxEntriesPerBatch: 5000,
  /** An isolate's gauges count while it flushed within this long. */
  isolateGaugeTtlMs: 30_000,
} as const;

/** Route groups the edge labels requests with; anything else is 'other'. */
export const ROUTE_GROUPS = [
  'chat',
  'completions',
  'embeddings',
  'rag',
  'cache',
  'ocr',
  'transcriptions',
  'models',
  'ollama',
  'node',
  'admin',
  'metrics',
  'dashboard',
  'health',
  'other',
] as const;
export type RouteGroup = (typeof ROUTE_GROUPS)[number];

/** Groups that are the fleet's traffic: the live view's requests/s counts only these. */
export const TRAFFIC_ROUTES: ReadonlySet<RouteGroup> = new Set([
  'chat',
  'completions',
  'embeddings',
  'rag',
  'ocr',
  'transcriptions',
  'models',
  'ollama',
]);

/** Error classes, from an HTTP status (and the error code when there is one). */
export const ERROR_CLASSES = [
  'client',
  'auth',
  'rate_limited',
  'backend',
  'server',
  'client_closed',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];
