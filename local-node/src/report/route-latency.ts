import { EDGE_METRICS, LATENCY_BUCKETS_S, quantileOf } from '@proxima/core/metrics';

/** Latency of one route group, from the edge's request-duration histogram. */
export interface RouteLatency {
  readonly route: string;
  readonly requests: number;
  /** Null when the route has no request. */
  readonly meanMs: number | null;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
}

interface Histogram {
  /** Cumulative counts by upper bound ("+Inf" included), as the text has them. */
  readonly cumulative: Map<number, number>;
  sum: number;
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const unescapeLabel = (value: string) =>
  value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));

/** `name{a="x",b="y"} 12` → its name, labels and value; null for comments and blank lines. */
function sampleOf(
  line: string,
): { name: string; labels: Map<string, string>; value: number } | null {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(\s+\S+)?$/.exec(line.trim());
  if (!match?.[1] || match[3] === undefined) return null;
  const labels = new Map<string, string>();
  for (const [, name, value] of (match[2] ?? '').matchAll(LABEL))
    if (name !== undefined && value !== undefined) labels.set(name, unescapeLabel(value));
  const raw = match[3];
  const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
  return { name: match[1], labels, value };
}

/** Cumulative bucket counts → counts per LATENCY_BUCKETS_S slot (+Inf last), as quantileOf takes. */
function slotCounts(cumulative: ReadonlyMap<number, number>): number[] | null {
  const bounds = [...LATENCY_BUCKETS_S, Infinity];
  if (cumulative.size !== bounds.length || !bounds.every((b) => cumulative.has(b))) return null;
  let previous = 0;
  return bounds.map((bound) => {
    const total = cumulative.get(bound) ?? 0;
    const count = Math.max(0, total - previous);
    previous = total;
    return count;
  });
}

/**
 * Per-route percentiles of `proxima_edge_request_duration_seconds` in a /metrics text, computed as
 * Prometheus' histogram_quantile does (core's `quantileOf`). Counts run since the edge's metrics
 * began, not over any range. Throws when the histogram's buckets are not the catalogue's (an edge
 * of another version), as the percentiles would be wrong.
 */
export function routeLatencies(text: string): RouteLatency[] {
  const name = EDGE_METRICS.requestDuration.name;
  const routes = new Map<string, Histogram>();
  const histogramOf = (route: string): Histogram => {
    let h = routes.get(route);
    if (!h) routes.set(route, (h = { cumulative: new Map(), sum: 0 }));
    return h;
  };
  for (const line of text.split('\n')) {
    const sample = sampleOf(line);
    if (!sample) continue;
    const route = sample.labels.get('route') ?? '';
    if (sample.name === `${name}_bucket`) {
      const le = sample.labels.get('le');
      const bound = le === '+Inf' ? Infinity : Number(le);
      if (le === undefined || Number.isNaN(bound)) continue;
      histogramOf(route).cumulative.set(bound, sample.value);
    } else if (sample.name === `${name}_sum`) histogramOf(route).sum = sample.value;
  }
  const out: RouteLatency[] = [];
  for (const [route, h] of routes) {
    const buckets = slotCounts(h.cumulative);
    if (!buckets)
      throw new Error(
        `the edge's ${name} buckets differ from this CLI's (${LATENCY_BUCKETS_S.join(', ')} s)`,
      );
    const requests = buckets.reduce((a, b) => a + b, 0);
    const ms = (q: number) => {
      const s = quantileOf(buckets, q);
      return s === null ? null : s * 1000;
    };
    out.push({
      route,
      requests,
      meanMs: requests === 0 ? null : (h.sum / requests) * 1000,
      p50Ms: ms(0.5),
      p95Ms: ms(0.95),
      p99Ms: ms(0.99),
    });
  }
  return out.sort((a, b) => b.requests - a.requests || a.route.localeCompare(b.route));
}
