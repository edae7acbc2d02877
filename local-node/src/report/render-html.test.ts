import { EDGE_METRICS, LATENCY_BUCKETS_S, renderPrometheus } from '@proxima/core/metrics';
import { describe, expect, it } from 'vitest';
import { buildReport } from './build-report.ts';
import { renderReportHtml } from './render-html.ts';
import { emptyData, FROM, HOUR, row, TO } from './report-data.testing.ts';

const SCRIPT = '<script>alert("x")</script>';
const IMG = '"><img src=x onerror=alert(1)>';
const hostile = (what: string) => `${what}${SCRIPT}${IMG}'&`;

/** Tags the page itself writes; anything else in the markup came from data unescaped. */
const OWN_TAGS = new Set(
  'html head meta title style body header h1 h2 h3 p code nav ol li a main ul span strong figure figcaption svg desc line text g polyline circle rect div table caption thead tbody tr th td footer'.split(
    ' ',
  ),
);

function tagsOf(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => (m[1] ?? '').toLowerCase());
}

function hostileReport(): string {
  const latency = renderPrometheus([
    {
      kind: 'histogram',
      family: {
        spec: EDGE_METRICS.requestDuration,
        samples: [
          {
            values: [hostile('route')],
            buckets: new Array<number>(LATENCY_BUCKETS_S.length + 1).fill(1),
            sum: 3,
          },
        ],
      },
    },
  ]);
  const tenant = hostile('tenant');
  const model = hostile('model');
  const data = emptyData({
    edge: 'https://proxima.example.workers.dev/"><script>',
    tenants: [row({ tenant, requests: 10, errors: 5, promptTokens: 100, completionTokens: 40 })],
    hourly: { ok: true, value: [row({ tenant, hour: FROM + HOUR, requests: 10, errors: 5 })] },
    modelBackend: {
      ok: true,
      value: [
        row({ tenant, model, backend: hostile('node:'), requests: 9, completionTokens: 40 }),
        row({ tenant, model, backend: 'cache', requests: 1, cacheHits: 1 }),
      ],
    },
    metrics: { ok: true, value: latency },
    nodes: {
      ok: true,
      value: [
        {
          nodeId: hostile('node'),
          session: 1,
          models: [model],
          engine: hostile('engine'),
          gpu: hostile('gpu'),
          slots: 2,
          connected: true,
          draining: false,
          updatedAt: TO,
          health: 'healthy',
        },
      ],
    },
    alerts: {
      ok: true,
      value: {
        alerts: [
          {
            backend: hostile('backend'),
            kind: hostile('kind'),
            metric: hostile('metric'),
            current: 1,
            baseline: 1,
            since: TO - HOUR,
          },
        ],
        cleared: [],
      },
    },
    audit: {
      ok: true,
      value: [
        {
          at: TO - HOUR,
          subject: hostile('subject'),
          action: hostile('action'),
          target: hostile('target'),
          outcome: 'failed',
          detail: hostile('detail'),
        },
      ],
    },
    raft: {
      ok: true,
      value: { leader: 0, voters: [1], learners: [], peers: [{ self: 1, error: hostile('peer') }] },
    },
  });
  return renderReportHtml(buildReport(data, TO));
}

describe('renderReportHtml', () => {
  const html = hostileReport();

  it('escapes every string from the edge: no tag but its own, no script', () => {
    expect(html).not.toContain(SCRIPT);
    expect(html).not.toContain('<img');
    expect(html.toLowerCase()).not.toContain('<script');
    expect(new Set(tagsOf(html).filter((t) => !OWN_TAGS.has(t)))).toEqual(new Set());
    // Each hostile value reached the page, escaped.
    for (const what of [
      'tenant',
      'model',
      'node',
      'engine',
      'backend',
      'detail',
      'target',
      'peer',
      'route',
    ])
      expect(html, what).toContain(`${what}&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;`);
  });

  it('loads nothing: no external URL but the edge as text, and a CSP that forbids fetching', () => {
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<>&]*/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(['https://proxima.example.workers.dev/']));
    expect(html).toContain(
      `content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`,
    );
    expect(html).not.toMatch(/\s(src|href)="(?!#)/);
  });

  it('draws three accessible charts, each followed by a data table', () => {
    const svgs = [...html.matchAll(/<svg [^>]*>/g)].map((m) => m[0]);
    expect(svgs).toHaveLength(3);
    for (const svg of svgs) expect(svg).toContain('role="img"');
    for (const id of ['chart-hourly', 'chart-tenants', 'chart-models']) {
      expect(html).toContain(`<title id="${id}-title">`);
      expect(html).toContain(`<desc id="${id}-desc">`);
      const after = html.slice(html.indexOf(`aria-labelledby="${id}-title`));
      expect(after.indexOf('<table')).toBeLessThan(after.indexOf('<h'));
    }
  });

  it('says the latency percentiles are since the metrics began, and states the incident rules', () => {
    expect(html).toContain("since the edge's metrics began</strong>, not over this report's range");
    expect(html).toContain('hours in which more than 5.0 % of the requests ended in an error');
    expect(html).toContain('5 of 10 requests failed (50.0 %)');
  });

  it('renders an empty fleet without failing', () => {
    const empty = renderReportHtml(buildReport(emptyData(), TO));
    expect(empty).toContain('No incident in the range.');
    expect(empty).toContain('No node has connected yet.');
    expect(empty).toContain('nothing to show');
    expect(empty).toMatch(/<\/html>\n$/);
  });

  it('marks a part the edge did not give as missing, saying why', () => {
    const page = renderReportHtml(
      buildReport(
        emptyData({
          metrics: { ok: false, status: 404, message: 'No route /metrics.' },
          audit: { ok: false, status: null, message: 'could not reach it' },
        }),
        TO,
      ),
    );
    expect(page).toContain(
      'Latency percentiles: missing from this report.</strong> the edge does not serve it (an older version?): No route /metrics.',
    );
    expect(page).toContain('Could not be read, so their incidents are not listed: audit log.');
  });
});
