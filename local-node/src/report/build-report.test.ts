import { LATENCY_BUCKETS_S } from '@proxima/core/metrics';
import { describe, expect, it } from 'vitest';
import { buildReport, ERROR_HOUR_RATIO } from './build-report.ts';
import { emptyData, FROM, HOUR, row, TO } from './report-data.testing.ts';

const NOW = TO + 1234;

describe('buildReport', () => {
  it('makes a report of nothing: zero totals, every hour of the range, no incident', () => {
    const m = buildReport(emptyData(), NOW);
    expect(m.generatedAt).toBe(NOW);
    expect(m.totals).toMatchObject({ requests: 0, errors: 0, meanLatencyMs: null });
    expect(m.tenants).toEqual([]);
    expect(m.hourly.ok && m.hourly.value.map((p) => p.hour)).toEqual(
      Array.from({ length: 24 }, (_, i) => FROM + i * HOUR),
    );
    expect(m.cache).toMatchObject({
      requests: 0,
      requestShare: null,
      estimatedCompletionTokens: 0,
    });
    expect(m.latency).toEqual({ ok: true, value: [] });
    expect(m.incidents.items).toEqual([]);
    expect(m.incidents.unavailable).toEqual([]);
  });

  it("sums the tenants' rows, busiest first, with mean latency", () => {
    const m = buildReport(
      emptyData({
        tenants: [
          row({ tenant: 'small', requests: 2, latencyMsSum: 100, latencyMsMax: 70, errors: 1 }),
          row({
            tenant: 'big',
            requests: 10,
            promptTokens: 50,
            latencyMsSum: 1000,
            latencyMsMax: 400,
          }),
        ],
      }),
      NOW,
    );
    expect(m.tenants.map((t) => [t.name, t.requests, t.meanLatencyMs])).toEqual([
      ['big', 10, 100],
      ['small', 2, 50],
    ]);
    expect(m.totals).toMatchObject({
      requests: 12,
      errors: 1,
      promptTokens: 50,
      maxLatencyMs: 400,
    });
    expect(m.totals.meanLatencyMs).toBeCloseTo(1100 / 12, 9);
  });

  it('sums the hours over tenants and flags hours over the error ratio, not at it', () => {
    const hour = (i: number) => FROM + i * HOUR;
    const m = buildReport(
      emptyData({
        hourly: {
          ok: true,
          value: [
            row({ tenant: 'a', hour: hour(3), requests: 10, errors: 1 }),
            row({ tenant: 'b', hour: hour(3), requests: 10, errors: 0 }), // 1/20: 5 %, not over
            row({ tenant: 'a', hour: hour(5), requests: 10, errors: 1 }), // 10 %: over
          ],
        },
      }),
      NOW,
    );
    expect(ERROR_HOUR_RATIO).toBe(0.05);
    const points = m.hourly.ok ? m.hourly.value : [];
    expect(points[3]).toMatchObject({ requests: 20, errors: 1 });
    expect(points[4]).toMatchObject({ requests: 0, errors: 0 });
    expect(m.incidents.items).toEqual([
      expect.objectContaining({
        kind: 'error hour',
        at: hour(5),
        text: '1 of 10 requests failed (10.0 %)',
      }),
    ]);
  });

  it('estimates the completion tokens the cache spared from the same model', () => {
    const m = buildReport(
      emptyData({
        tenants: [row({ tenant: 't', requests: 14, cacheHits: 4, completionTokens: 500 })],
        modelBackend: {
          ok: true,
          value: [
            // 10 generated answers of m1 (2 failed): 500 / 8 tokens each.
            row({
              tenant: 't',
              model: 'm1',
              backend: 'node:a',
              requests: 10,
              errors: 2,
              completionTokens: 500,
            }),
            row({ tenant: 't', model: 'm1', backend: 'cache', requests: 3, cacheHits: 3 }),
            // No generated m2 answer to compare with.
            row({ tenant: 't', model: 'm2', backend: 'cache', requests: 1, cacheHits: 1 }),
          ],
        },
      }),
      NOW,
    );
    expect(m.cache).toEqual({
      basis: 'backend',
      requests: 4,
      requestShare: 4 / 14,
      recordedCompletionTokens: 0,
      estimatedCompletionTokens: Math.round((3 * 500) / 8),
      estimatedCompletionShare: (3 * 500) / 8 / (500 + (3 * 500) / 8),
      hitsWithoutEstimate: 1,
    });
    expect(m.backends.ok && m.backends.value.map((b) => [b.name, b.requests])).toEqual([
      ['node:a', 10],
      ['cache', 4],
    ]);
    expect(m.models.ok && m.models.value.map((b) => [b.name, b.requests])).toEqual([
      ['m1', 13],
      ['m2', 1],
    ]);
  });

  it("falls back to the tenants' cache hits when the per-backend usage is missing", () => {
    const m = buildReport(
      emptyData({
        tenants: [row({ tenant: 't', requests: 10, cacheHits: 5 })],
        modelBackend: { ok: false, status: 404, message: 'no' },
      }),
      NOW,
    );
    expect(m.cache).toMatchObject({ basis: 'cacheHits', requests: 5, requestShare: 0.5 });
    expect(m.models.ok).toBe(false);
  });

  it('lists active alerts, alerts cleared in the range, and failed or refused actions, newest first', () => {
    const alert = {
      backend: 'node:gpu-1',
      kind: 'latency',
      metric: 'ttft_ms',
      current: 1500,
      baseline: 300,
    };
    const m = buildReport(
      emptyData({
        alerts: {
          ok: true,
          value: {
            alerts: [{ ...alert, since: TO - 10 * 60_000 }],
            cleared: [
              { ...alert, since: FROM + HOUR, clearedAt: FROM + 2 * HOUR, reason: 'recovered' },
              { ...alert, since: FROM - 3 * HOUR, clearedAt: FROM - 2 * HOUR, reason: 'stale' },
            ],
          },
        },
        audit: {
          ok: true,
          value: [
            {
              at: TO - HOUR,
              subject: 'admin',
              action: 'node.drain',
              target: 'gpu-1',
              outcome: 'failed',
              detail: 'gone',
            },
            {
              at: TO - 2 * HOUR,
              subject: 'admin',
              action: 'key.create',
              target: 'acme',
              outcome: 'ok',
              detail: '',
            },
            {
              at: TO - 3 * HOUR,
              subject: 'admin',
              action: 'login',
              target: '-',
              outcome: 'refused',
              detail: '',
            },
            {
              at: FROM - 1,
              subject: 'admin',
              action: 'login',
              target: '-',
              outcome: 'refused',
              detail: '',
            },
          ],
        },
      }),
      NOW,
    );
    expect(m.incidents.items.map((i) => [i.kind, i.at, i.ongoing])).toEqual([
      ['alert', TO - 10 * 60_000, true],
      ['operator action', TO - HOUR, false],
      ['operator action', TO - 3 * HOUR, false],
      ['alert cleared', FROM + HOUR, false],
    ]);
    expect(m.incidents.items[0]?.text).toBe(
      'latency alert, still active: ttft_ms 1,500 ms against a baseline of 300 ms',
    );
    expect(m.incidents.items[1]?.text).toBe('admin: node.drain failed: gone');
  });

  it('names the sources it could not read, and keeps their sections missing', () => {
    const gone = { ok: false as const, status: 404, message: 'No route.' };
    const m = buildReport(
      emptyData({
        alerts: gone,
        audit: gone,
        hourly: gone,
        metrics: gone,
        nodes: gone,
        raft: gone,
      }),
      NOW,
    );
    expect(m.incidents.unavailable).toEqual(['alerts', 'audit log', 'hourly usage']);
    expect([m.latency.ok, m.nodes.ok, m.raft.ok, m.hourly.ok]).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('turns unreadable metrics into a missing latency part, not a failure', () => {
    const m = buildReport(
      emptyData({
        metrics: {
          ok: true,
          value: 'proxima_edge_request_duration_seconds_bucket{route="chat",le="1"} 1\n',
        },
      }),
      NOW,
    );
    expect(m.latency.ok).toBe(false);
    expect(!m.latency.ok && [m.latency.status, m.latency.message]).toEqual([
      null,
      `the edge's proxima_edge_request_duration_seconds buckets differ from this CLI's (${LATENCY_BUCKETS_S.join(', ')} s)`,
    ]);
  });
});
