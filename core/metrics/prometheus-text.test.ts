import { describe, expect, it } from 'vitest';
import { EDGE_METRICS, LATENCY_BUCKETS_S } from './catalogue.ts';
import { emptyBuckets } from './histogram.ts';
import { renderPrometheus } from './prometheus-text.ts';

// The text format's sample line: name, optional labels, a value (docs: exposition_formats).
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? \S+$/;

describe('renderPrometheus', () => {
  it('writes HELP and TYPE once per family, and valid sample lines', () => {
    const text = renderPrometheus([
      {
        kind: 'sample',
        family: {
          spec: EDGE_METRICS.requests,
          samples: [
            { values: ['chat', '2xx'], value: 3 },
            { values: ['models', '4xx'], value: 1 },
          ],
        },
      },
    ]);
    const lines = text.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('# HELP'))).toHaveLength(1);
    expect(lines).toContain('# TYPE proxima_edge_requests_total counter');
    expect(lines).toContain('proxima_edge_requests_total{route="chat",status_class="2xx"} 3');
    for (const l of lines.filter((x) => !x.startsWith('#'))) expect(l).toMatch(SAMPLE);
  });

  it('escapes quotes, backslashes and newlines in label values', () => {
    const text = renderPrometheus([
      {
        kind: 'sample',
        family: { spec: EDGE_METRICS.nodeSlots, samples: [{ values: ['a"b\\c\nd'], value: 1 }] },
      },
    ]);
    expect(text).toContain('proxima_edge_node_slots{node="a\\"b\\\\c\\nd"} 1');
    for (const l of text.split('\n').filter((x) => x && !x.startsWith('#')))
      expect(l).toMatch(SAMPLE);
  });

  it('writes histograms with cumulative buckets, +Inf equal to the count, and the sum', () => {
    const buckets = emptyBuckets();
    buckets[0] = 2;
    buckets[3] = 1;
    buckets[LATENCY_BUCKETS_S.length] = 1;
    const text = renderPrometheus([
      {
        kind: 'histogram',
        family: {
          spec: EDGE_METRICS.requestDuration,
          samples: [{ values: ['chat'], buckets, sum: 200.5 }],
        },
      },
    ]);
    const value = (suffix: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`proxima_edge_request_duration_seconds${suffix}`))
          ?.split(' ')[1],
      );
    expect(value('_bucket{route="chat",le="0.005"}')).toBe(2);
    expect(value('_bucket{route="chat",le="0.05"}')).toBe(3);
    expect(value('_bucket{route="chat",le="120"}')).toBe(3);
    expect(value('_bucket{route="chat",le="+Inf"}')).toBe(4);
    expect(value('_count{route="chat"}')).toBe(4);
    expect(value('_sum{route="chat"}')).toBe(200.5);
  });
});
