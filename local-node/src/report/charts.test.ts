import { describe, expect, it } from 'vitest';
import { barChart, linePoints, TIME_PLOT, timeChart, yScale } from './charts.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 31, 0, 0, 0);

/** The polyline of a series, as [x, y] pairs. */
function polyline(svg: string, series: string): [number, number][] {
  const match = new RegExp(`data-series="${series}" points="([^"]*)"`).exec(svg);
  if (!match?.[1]) throw new Error(`no polyline for ${series}`);
  return match[1].split(' ').map((pair) => pair.split(',').map(Number) as [number, number]);
}

describe('yScale', () => {
  it.each([
    [0, 1],
    [3, 1],
    [5, 2],
    [20, 5],
    [90, 25],
    [4000, 1000],
    [4001, 2000],
  ])('counts up to %d: steps of %d', (max, step) => {
    const scale = yScale(max);
    expect(scale.step).toBe(step);
    expect(scale.max).toBe(step * 4);
  });

  it('always holds the maximum, in whole-number steps', () => {
    for (let max = 0; max < 5000; max += 7) {
      const scale = yScale(max);
      expect(scale.max).toBeGreaterThanOrEqual(max);
      expect(Number.isInteger(scale.step)).toBe(true);
    }
  });
});

describe('timeChart', () => {
  const requests = [0, 5, 12, 7, 3, 0, 9, 20];
  const errors = [0, 0, 1, 0, 3, 0, 0, 2];
  const x = requests.map((_, i) => T0 + i * HOUR);
  const svg = timeChart({
    id: 'c1',
    title: 'Requests & errors',
    desc: 'per <hour>',
    x,
    series: [
      { name: 'requests', values: requests },
      { name: 'errors', values: errors },
    ],
  });

  it('draws each point where its value is: inverting the scale gives the data back', () => {
    const yMax = yScale(20).max;
    for (const [name, values] of [
      ['requests', requests],
      ['errors', errors],
    ] as const) {
      const points = polyline(svg, name);
      expect(points).toHaveLength(values.length);
      points.forEach(([px, py], i) => {
        const value = ((TIME_PLOT.top + TIME_PLOT.height - py) / TIME_PLOT.height) * yMax;
        expect(value).toBeCloseTo(values[i] ?? NaN, 0);
        expect(px).toBeCloseTo(TIME_PLOT.left + (i / (values.length - 1)) * TIME_PLOT.width, 0);
      });
    }
  });

  it('is an accessible image with an escaped title and description, and nothing external', () => {
    expect(svg).toMatch(/^<svg class="chart" role="img" [^>]*aria-labelledby="c1-title c1-desc"/);
    expect(svg).toContain('<title id="c1-title">Requests &amp; errors</title>');
    expect(svg).toContain('<desc id="c1-desc">per &lt;hour&gt;</desc>');
    expect(svg).not.toMatch(/https?:|<script|href=/);
  });

  it('marks a single point with a dot, and survives no data at all', () => {
    const one = timeChart({
      id: 'one',
      title: 't',
      desc: 'd',
      x: [T0],
      series: [{ name: 'requests', values: [4] }],
    });
    expect(one).toContain('<circle class="series-0"');
    const none = timeChart({ id: 'none', title: 't', desc: 'd', x: [], series: [] });
    expect(none).toMatch(/^<svg [^]*<\/svg>$/);
  });
});

describe('linePoints', () => {
  it('puts zero on the baseline and yMax at the top', () => {
    const plot = { left: 10, top: 5, width: 100, height: 50 };
    expect(linePoints([0, 8, 4], plot, 8)).toEqual([
      { x: 10, y: 55 },
      { x: 60, y: 5 },
      { x: 110, y: 30 },
    ]);
  });
});

describe('barChart', () => {
  it('gives each segment a width proportional to its value, and escapes labels', () => {
    const svg = barChart({
      id: 'b',
      title: 'Tokens per tenant',
      desc: 'd',
      segments: ['prompt', 'completion'],
      bars: [
        { label: '<script>alert(1)</script>', values: [300, 100] },
        { label: 'acme', values: [100, 100] },
      ],
    });
    const widths = [
      ...svg.matchAll(/<rect class="series-(\d)" x="[^"]+" y="[^"]+" width="([^"]+)"/g),
    ].map((m) => [Number(m[1]), Number(m[2])]);
    expect(widths).toHaveLength(4);
    const [first, second, third, fourth] = widths.map(([, w]) => w ?? NaN);
    expect((first ?? 0) / (second ?? 1)).toBeCloseTo(3, 2);
    expect((third ?? 0) / (first ?? 1)).toBeCloseTo(1 / 3, 2);
    expect(third).toBeCloseTo(fourth ?? NaN, 5);
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;script&gt;');
  });

  it('says so when there is nothing to draw', () => {
    const svg = barChart({ id: 'e', title: 't', desc: 'd', segments: ['a'], bars: [] });
    expect(svg).toContain('nothing to show');
    expect(svg).not.toContain('<rect');
  });
});
