import type { DashboardSeries } from '@proxima/core/dashboard';

/** One line of a time chart; `style` picks its colour and dash (see styles and CHART_STYLES). */
export interface ChartLine {
  readonly label: string;
  readonly values: readonly (number | null)[];
  readonly style: number;
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly lines: readonly ChartLine[];
}

/** Cache hits as a percentage of lookups, per second; null in a second with no lookup. */
export function hitRatePercent(
  hits: readonly number[],
  lookups: readonly number[],
): (number | null)[] {
  return lookups.map((n, i) => (n > 0 ? (100 * (hits[i] ?? 0)) / n : null));
}

/** The overview's charts over the snapshot's series. */
export function overviewCharts(s: DashboardSeries): ChartSpec[] {
  return [
    {
      id: 'chart-requests',
      title: 'Requests per second',
      unit: '/s',
      lines: [{ label: 'requests', values: s.requestsPerS, style: 0 }],
    },
    {
      id: 'chart-errors',
      title: 'Errors per second',
      unit: '/s',
      lines: [{ label: 'errors', values: s.errorsPerS, style: 3 }],
    },
    {
      id: 'chart-latency',
      title: 'Latency',
      unit: 'ms',
      lines: [
        { label: 'p50', values: s.p50Ms, style: 0 },
        { label: 'p95', values: s.p95Ms, style: 1 },
        { label: 'p99', values: s.p99Ms, style: 2 },
      ],
    },
    {
      id: 'chart-tokens',
      title: 'Tokens per second',
      unit: '/s',
      lines: [{ label: 'tokens', values: s.tokensPerS, style: 0 }],
    },
    {
      id: 'chart-cache',
      title: 'Cache hit rate',
      unit: '%',
      lines: [
        {
          label: 'hit rate',
          values: hitRatePercent(s.cacheHitsPerS, s.cacheLookupsPerS),
          style: 1,
        },
      ],
    },
  ];
}
