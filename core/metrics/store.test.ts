import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { metricsBatchSchema } from './batch.ts';
import { METRICS_LIMITS } from './limits.ts';
import { MetricsRecorder } from './recorder.ts';
import { MetricsStore, type StoredMetrics } from './store.ts';

const T0 = 1_790_000_000_000;

type Event =
  | { kind: 'http'; at: number; path: string; status: number; seconds: number }
  | { kind: 'tokens'; at: number; tenant: string; backend: string; p: number; c: number }
  | { kind: 'cache'; at: number; outcome: 'hit' | 'semantic_hit' | 'miss' };

const event: fc.Arbitrary<Event> = fc.oneof(
  fc.record({
    kind: fc.constant('http' as const),
    at: fc.integer({ min: 0, max: 5_000 }),
    path: fc.constantFrom('/v1/chat/completions', '/v1/models', '/admin/nodes', '/x', '/healthz'),
    status: fc.constantFrom(200, 201, 400, 401, 429, 499, 502, 500),
    seconds: fc.double({ min: 0, max: 200, noNaN: true }),
  }),
  fc.record({
    kind: fc.constant('tokens' as const),
    at: fc.integer({ min: 0, max: 5_000 }),
    tenant: fc.constantFrom('acme', 'globex'),
    backend: fc.constantFrom('node:gpu-1', 'upstream:oai', 'cache', 'azure'),
    p: fc.integer({ min: 0, max: 1000 }),
    c: fc.integer({ min: 0, max: 1000 }),
  }),
  fc.record({
    kind: fc.constant('cache' as const),
    at: fc.integer({ min: 0, max: 5_000 }),
    outcome: fc.constantFrom('hit' as const, 'semantic_hit' as const, 'miss' as const),
  }),
);

function play(recorder: MetricsRecorder, e: Event): void {
  if (e.kind === 'http') recorder.http(T0 + e.at, e.path, e.status, e.seconds);
  else if (e.kind === 'tokens') recorder.tokens(T0 + e.at, e.tenant, e.backend, e.p, e.c);
  else recorder.cache(T0 + e.at, e.outcome);
}

describe('MetricsStore', () => {
  it('merges batches from any number of isolates and flushes to what one recorder saw', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), event, fc.boolean()), {
          maxLength: 200,
        }),
        (plan) => {
          const one = new MetricsRecorder('one');
          const many = [0, 1, 2, 3].map((i) => new MetricsRecorder(`iso-${i}`));
          const merged = new MetricsStore();
          const single = new MetricsStore();
          const now = T0 + 6_000;
          for (const [isolate, e, flush] of plan) {
            play(one, e);
            const r = many[isolate]!;
            play(r, e);
            if (flush) merged.apply(metricsBatchSchema.parse(r.drain()), now);
          }
          for (const r of many) merged.apply(r.drain(), now);
          single.apply(one.drain(), now);
          expect(merged.totals()).toEqual(single.totals());
          expect(merged.series(now, 10)).toEqual(single.series(now, 10));
          const sortFamilies = (s: MetricsStore) =>
            JSON.stringify(
              [...s.families().counters]
                .sort((a, b) => (a.spec.name < b.spec.name ? -1 : 1))
                .map((f) => ({
                  name: f.spec.name,
                  samples: [...f.samples].sort((a, b) =>
                    JSON.stringify(a.values) < JSON.stringify(b.values) ? -1 : 1,
                  ),
                })),
            );
          expect(sortFamilies(merged)).toEqual(sortFamilies(single));
        },
      ),
    );
  });

  it('counts only the fleet traffic in requests/s, and every route in the counters', () => {
    const r = new MetricsRecorder('a');
    r.http(T0 + 100, '/v1/chat/completions', 200, 0.02);
    r.http(T0 + 200, '/v1/chat/completions', 502, 0.3);
    r.http(T0 + 300, '/dashboard/api/stream', 200, 0.001);
    r.http(T0 + 400, '/metrics', 401, 0.001);
    const store = new MetricsStore();
    store.apply(r.drain(), T0 + 1_500);
    const series = store.series(T0 + 1_500, 1);
    expect(series.t).toEqual([T0]);
    expect(series.requestsPerS).toEqual([2]);
    expect(series.errorsPerS).toEqual([1]);
    expect(series.p50Ms[0]).toBeGreaterThan(10);
    expect(store.totals()).toMatchObject({ requests: 2, errors: 1 });
    // The failed /metrics scrape is not fleet traffic: counted in /metrics, not in the totals.
    expect(store.totals().errorsByClass).toEqual({ backend: 1 });
    const requests = store.families().counters.find((f) => f.spec.name.endsWith('requests_total'));
    expect(requests?.samples.length).toBe(4);
  });

  it('forgets points past the window and refuses points from a clock far ahead', () => {
    const r = new MetricsRecorder('a');
    r.http(T0, '/v1/models', 200, 0.01);
    r.http(T0 + 10 * 60_000, '/v1/models', 200, 0.01);
    const store = new MetricsStore();
    const now = T0 + METRICS_LIMITS.windowSeconds * 1000 + 5_000;
    store.apply(r.drain(), now);
    expect(
      store.series(now, METRICS_LIMITS.windowSeconds).requestsPerS.reduce((a, b) => a + b),
    ).toBe(1);
    expect(store.totals().requests).toBe(2);
  });

  it('sums burst jobs in flight over isolates heard from lately', () => {
    const a = new MetricsRecorder('a');
    const b = new MetricsRecorder('b');
    a.burstStarted();
    a.burstStarted();
    b.burstStarted();
    const store = new MetricsStore();
    store.apply(a.drain(), T0);
    store.apply(b.drain(), T0 + 20_000);
    expect(store.burstInFlight(T0 + 20_000)).toBe(3);
    // a has been silent past the TTL: its gauge no longer counts (its isolate may be gone).
    expect(store.burstInFlight(T0 + METRICS_LIMITS.isolateGaugeTtlMs + 1)).toBe(1);
    b.burstSettled(true);
    store.apply(b.drain(), T0 + 21_000);
    expect(store.burstInFlight(T0 + 21_000)).toBe(2);
  });

  it('caps label sets per metric and counts the ones it refused', () => {
    const r = new MetricsRecorder('a');
    for (let i = 0; i < METRICS_LIMITS.maxSeriesPerMetric + 10; i++)
      r.tokens(T0, `tenant-${i}`, 'node:x', 1, 0);
    const store = new MetricsStore();
    store.apply(r.drain(), T0 + 1000);
    expect(store.dropped).toBe(10);
  });

  it('keeps its counters across a restart and not its window', () => {
    const r = new MetricsRecorder('a');
    r.http(T0, '/v1/models', 200, 0.01);
    r.cache(T0, 'semantic_hit');
    const store = new MetricsStore();
    store.apply(r.drain(), T0 + 1000);
    const restarted = new MetricsStore();
    restarted.restore(JSON.parse(JSON.stringify(store.stored())) as StoredMetrics);
    expect(restarted.totals()).toEqual(store.totals());
    expect(restarted.families()).toEqual(store.families());
    expect(restarted.series(T0 + 1000, 1).requestsPerS).toEqual([0]);
  });

  it('refuses a malformed batch before it reaches the store', () => {
    const good = new MetricsRecorder('a').drain();
    expect(() => metricsBatchSchema.parse({ ...good, isolate: '' })).toThrow();
    expect(() =>
      metricsBatchSchema.parse({
        ...good,
        counters: [{ metric: 'requests', labels: {}, value: -1 }],
      }),
    ).toThrow();
    expect(() =>
      metricsBatchSchema.parse({
        ...good,
        histograms: [{ metric: 'requestDuration', labels: {}, buckets: [1], sum: 1 }],
      }),
    ).toThrow();
  });
});
