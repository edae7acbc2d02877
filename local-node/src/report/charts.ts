import escapeHtml from 'escape-html';
import { compact, count, day, hourOfDay } from './format.ts';

/**
 * Inline SVG charts for the report: no script, no external resource; each is `<svg role="img">`
 * with a `<title>` and a `<desc>`, and the page puts a data table under it. Colours come from the
 * page's CSS classes (`series-N`), and series differ by dash too, so they survive print in grey.
 * Pure: data in, markup out. Every text is escaped here.
 */

export interface ChartText {
  /** Unique in the page: the title's and description's ids derive from it. */
  readonly id: string;
  readonly title: string;
  readonly desc: string;
}

export interface Series {
  readonly name: string;
  /** One value per x. */
  readonly values: readonly number[];
}

export interface TimeChartInput extends ChartText {
  /** Times (ms since the epoch), ascending, evenly spaced. */
  readonly x: readonly number[];
  readonly series: readonly Series[];
}

export interface Bar {
  readonly label: string;
  /** One value per segment name, stacked left to right. */
  readonly values: readonly number[];
}

export interface BarChartInput extends ChartText {
  readonly segments: readonly string[];
  readonly bars: readonly Bar[];
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** The drawing area inside the view box. */
export interface Plot {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

const WIDTH = 720;
const TIME_HEIGHT = 260;
export const TIME_PLOT: Plot = { left: 56, top: 28, width: WIDTH - 56 - 16, height: 190 };
const BAR_LABEL_WIDTH = 190;
const BAR_ROW = 24;
const HOUR_MS = 3_600_000;
const TICK_STEPS_MS = [1, 2, 3, 6, 12, 24, 48, 168, 336, 720].map((h) => h * HOUR_MS);
const MAX_TICKS = 8;
const LABEL_CHARS = 26;

const esc = (text: string) => escapeHtml(text);
const fixed = (n: number) => String(Math.round(n * 10) / 10);

/** Grid lines above the baseline. */
const Y_STEPS = 4;

/**
 * The y axis for counts up to `max`: Y_STEPS steps of a round size (1, 2, 2.5 or 5 × 10^k, at
 * least 1 and never 2.5 itself, so every label is a whole number) whose top holds `max`.
 */
export function yScale(max: number): { readonly max: number; readonly step: number } {
  const least = Math.max(1, max / Y_STEPS);
  const power = 10 ** Math.floor(Math.log10(least));
  const factors = power === 1 ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
  const step = (factors.find((f) => f * power >= least) ?? 10) * power;
  return { max: step * Y_STEPS, step };
}

/** Where each value sits in `plot`, for a y axis from 0 to `yMax`; evenly spaced in x. */
export function linePoints(values: readonly number[], plot: Plot, yMax: number): Point[] {
  const n = values.length;
  return values.map((v, i) => ({
    x: plot.left + (n === 1 ? plot.width / 2 : (i / (n - 1)) * plot.width),
    y: plot.top + plot.height - (Math.max(0, v) / yMax) * plot.height,
  }));
}

function open(c: ChartText, height: number): string {
  return (
    `<svg class="chart" role="img" viewBox="0 0 ${WIDTH} ${height}" ` +
    `aria-labelledby="${esc(c.id)}-title ${esc(c.id)}-desc" preserveAspectRatio="xMinYMin meet">` +
    `<title id="${esc(c.id)}-title">${esc(c.title)}</title>` +
    `<desc id="${esc(c.id)}-desc">${esc(c.desc)}</desc>`
  );
}

/** Time ticks: every step that leaves at most MAX_TICKS, aligned to the step in UTC. */
function timeTicks(first: number, last: number): { at: number; label: string }[] {
  const span = Math.max(last - first, HOUR_MS);
  const step =
    TICK_STEPS_MS.find((s) => span / s <= MAX_TICKS) ?? TICK_STEPS_MS[TICK_STEPS_MS.length - 1];
  if (step === undefined) return [];
  const ticks: { at: number; label: string }[] = [];
  for (let at = Math.ceil(first / step) * step; at <= last; at += step)
    ticks.push({
      at,
      label: step >= 24 * HOUR_MS || at % (24 * HOUR_MS) === 0 ? day(at) : hourOfDay(at),
    });
  return ticks;
}

/** Keys from `left` rightwards: a line (dashed like its series) or a box (a bar's segment). */
function legend(names: readonly string[], left: number, y: number, key: 'line' | 'box'): string {
  let x = left;
  let out = '';
  names.forEach((name, i) => {
    const mark =
      key === 'line'
        ? `<line x1="${x}" y1="${y}" x2="${x + 20}" y2="${y}"/>`
        : `<rect x="${x + 4}" y="${y - 6}" width="12" height="12"/>`;
    out += `<g class="legend series-${i}">${mark}<text x="${x + 26}" y="${y + 4}">${esc(name)}</text></g>`;
    x += name.length * 7 + 44;
  });
  return out;
}

/** Lines over time (requests and errors per hour), y from 0. */
export function timeChart(c: TimeChartInput): string {
  const p = TIME_PLOT;
  const scale = yScale(Math.max(0, ...c.series.flatMap((s) => s.values)));
  const yMax = scale.max;
  let out = open(c, TIME_HEIGHT);
  for (let i = 0; i <= Y_STEPS; i++) {
    const y = p.top + p.height - (i / Y_STEPS) * p.height;
    out +=
      `<line class="grid" x1="${p.left}" y1="${fixed(y)}" x2="${p.left + p.width}" y2="${fixed(y)}"/>` +
      `<text class="axis" x="${p.left - 6}" y="${fixed(y + 4)}" text-anchor="end">${esc(compact(scale.step * i))}</text>`;
  }
  const first = c.x[0];
  const last = c.x[c.x.length - 1];
  if (first !== undefined && last !== undefined) {
    const xOf = (at: number) =>
      last === first ? p.left + p.width / 2 : p.left + ((at - first) / (last - first)) * p.width;
    for (const tick of timeTicks(first, last)) {
      const x = fixed(xOf(tick.at));
      out +=
        `<line class="tick" x1="${x}" y1="${p.top + p.height}" x2="${x}" y2="${p.top + p.height + 5}"/>` +
        `<text class="axis" x="${x}" y="${p.top + p.height + 18}" text-anchor="middle">${esc(tick.label)}</text>`;
    }
  }
  c.series.forEach((s, i) => {
    const points = linePoints(s.values, p, yMax);
    out +=
      points.length === 1
        ? `<circle class="series-${i}" cx="${fixed(points[0]?.x ?? 0)}" cy="${fixed(points[0]?.y ?? 0)}" r="3"/>`
        : `<polyline class="line series-${i}" data-series="${esc(s.name)}" points="${points
            .map((pt) => `${fixed(pt.x)},${fixed(pt.y)}`)
            .join(' ')}"/>`;
  });
  out += legend(
    c.series.map((s) => s.name),
    p.left,
    12,
    'line',
  );
  out += `<text class="axis" x="${p.left + p.width}" y="${TIME_HEIGHT - 8}" text-anchor="end">UTC</text>`;
  return `${out}</svg>`;
}

const shorten = (label: string) =>
  label.length <= LABEL_CHARS ? label : `${label.slice(0, LABEL_CHARS - 1)}…`;

/** Horizontal stacked bars, one per label, each segment's width proportional to its value. */
export function barChart(c: BarChartInput): string {
  const top = 30;
  const height = top + Math.max(1, c.bars.length) * BAR_ROW + 8;
  const left = BAR_LABEL_WIDTH;
  const room = WIDTH - left - 80;
  const max = Math.max(0, ...c.bars.map((b) => b.values.reduce((a, v) => a + v, 0)));
  let out = open(c, height);
  out +=
    c.bars.length === 0
      ? `<text class="axis" x="${left}" y="${top + 16}">nothing to show</text>`
      : legend(c.segments, left, 12, 'box');
  c.bars.forEach((bar, row) => {
    const y = top + row * BAR_ROW;
    const total = bar.values.reduce((a, v) => a + v, 0);
    out += `<g class="bar"><title>${esc(`${bar.label}: ${count(total)}`)}</title>`;
    out += `<text class="label" x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(shorten(bar.label))}</text>`;
    let x = left;
    bar.values.forEach((v, i) => {
      const w = max === 0 ? 0 : (Math.max(0, v) / max) * room;
      if (w > 0)
        out += `<rect class="series-${i}" x="${fixed(x)}" y="${y + 3}" width="${fixed(w)}" height="${BAR_ROW - 8}"/>`;
      x += w;
    });
    out += `<text class="axis" x="${fixed(x + 6)}" y="${y + 15}">${esc(compact(total))}</text></g>`;
  });
  return `${out}</svg>`;
}
