import {
  EDGE_METRICS,
  LATENCY_BUCKETS_S,
  quantileOf,
  renderPrometheus,
} from '@proxima/core/metrics';
import { describe, expect, it } from 'vitest';
import { routeLatencies } from './route-latency.ts';

/** Bucket counts (not cumulative) with `n` samples in slot `i`. */
function buckets(slots: Record<number, number>): number[] {
  const out = new Array<number>(LATENCY_BUCKETS_S.length + 1).fill(0);
  for (const [i, n] of Object.entries(slots)) out[Number(i)] = n;
  return out;
}

/** The text the edge's exporter writes (core's renderer), with a counter family before it. */
function exposition(samples: { route: string; buckets: number[]; sum: number }[]): string {
  return renderPrometheus([
    {
      kind: 'sample',
      family: { spec: EDGE_METRICS.requests, samples: [{ values: ['chat', '2xx'], value: 9 }] },
    },
    {
      kind: 'histogram',
      family: {
        spec: EDGE_METRICS.requestDuration,
        samples: samples.map((s) => ({ values: [s.route], buckets: s.buckets, sum: s.sum })),
      },
    },
  ]);
}

describe('routeLatencies', () => {
  it("computes each route's percentiles from the cumulative buckets as quantileOf does", () => {
    const chat = buckets({ 3: 10, 6: 5, 9: 1 });
    const models = buckets({ 0: 4 });
    const text = exposition([
      { route: 'chat', buckets: chat, sum: 2.5 },
      { route: 'models', buckets: models, sum: 0.01 },
    ]);
    const routes = routeLatencies(text);
    expect(routes.map((r) => r.route)).toEqual(['chat', 'models']);
    const [c, m] = routes;
    expect(c?.requests).toBe(16);
    expect(c?.meanMs).toBeCloseTo((2.5 / 16) * 1000, 9);
    expect(c?.p50Ms).toBeCloseTo((quantileOf(chat, 0.5) ?? NaN) * 1000, 9);
    expect(c?.p95Ms).toBeCloseTo((quantileOf(chat, 0.95) ?? NaN) * 1000, 9);
    expect(c?.p99Ms).toBeCloseTo((quantileOf(chat, 0.99) ?? NaN) * 1000, 9);
    // All four model lookups sit in the first bucket (≤ 5 ms): the median interpolates to 2.5 ms.
    expect(m?.p50Ms).toBeCloseTo(2.5, 9);
  });

  it('reads a route label with quotes and backslashes, and a route with no request', () => {
    const text = exposition([
      { route: 'we"ird\\route', buckets: buckets({ 2: 1 }), sum: 0.02 },
      { route: 'idle', buckets: buckets({}), sum: 0 },
    ]);
    const routes = routeLatencies(text);
    expect(routes.map((r) => r.route)).toEqual(['we"ird\\route', 'idle']);
    expect(routes[1]).toEqual({
      route: 'idle',
      requests: 0,
      meanMs: null,
      p50Ms: null,
      p95Ms: null,
      p99Ms: null,
    });
  });

  it('is empty for a text without the histogram', () => {
    expect(routeLatencies('# just a comment\nother_metric 1\n')).toEqual([]);
  });

  it("refuses buckets that are not the catalogue's rather than report wrong percentiles", () => {
    const name = EDGE_METRICS.requestDuration.name;
    const text = `${name}_bucket{route="chat",le="0.1"} 1\n${name}_bucket{route="chat",le="+Inf"} 2\n`;
    expect(() => routeLatencies(text)).toThrow(/buckets differ/);
  });
});
