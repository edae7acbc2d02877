import type { DashboardSeries } from '@proxima/core/dashboard';
import { describe, expect, it } from 'vitest';
import { latest, peak } from '../format.ts';
import { hitRatePercent, overviewCharts } from './chart-lines.ts';

const series: DashboardSeries = {
  t: [1000, 2000, 3000],
  requestsPerS: [1, 2, 3],
  errorsPerS: [0, 1, 0],
  p50Ms: [10, null, 30],
  p95Ms: [20, null, 60],
  p99Ms: [40, null, 90],
  tokensPerS: [5, 6, 7],
  cacheHitsPerS: [1, 0, 3],
  cacheLookupsPerS: [4, 0, 3],
};

describe('the overview charts', () => {
  it('gives the cache hit rate in percent, and no value in a second without lookups', () => {
    expect(hitRatePercent(series.cacheHitsPerS, series.cacheLookupsPerS)).toEqual([25, null, 100]);
  });

  it('draws one line per series, each as long as the time axis', () => {
    const charts = overviewCharts(series);
    expect(charts.map((c) => c.title)).toEqual([
      'Requests per second',
      'Errors per second',
      'Latency',
      'Tokens per second',
      'Cache hit rate',
    ]);
    for (const chart of charts) {
      for (const line of chart.lines) expect(line.values).toHaveLength(series.t.length);
    }
    expect(charts[2]?.lines.map((l) => l.label)).toEqual(['p50', 'p95', 'p99']);
  });

  it('captions a line with its latest value that is not null, and its peak', () => {
    expect(latest([1, 5, null])).toBe(5);
    expect(latest([null, null])).toBeNull();
    expect(peak([3, null, 9, 2])).toBe(9);
    expect(peak([])).toBeNull();
  });
});
