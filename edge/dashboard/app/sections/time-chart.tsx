import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { formatRate, latest, peak } from '../format.ts';
import type { ChartLine, ChartSpec } from './chart-lines.ts';
import { AXIS_TEXT, CHART_STYLES, GRID_LINE } from './chart-styles.ts';

const HEIGHT = 180;

function styleOf(index: number) {
  return CHART_STYLES[index % CHART_STYLES.length] ?? CHART_STYLES[0];
}

function options(spec: ChartSpec, width: number): uPlot.Options {
  const axis = { stroke: AXIS_TEXT, grid: { stroke: GRID_LINE }, ticks: { stroke: GRID_LINE } };
  return {
    width,
    height: HEIGHT,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true } },
    series: [
      {},
      ...spec.lines.map((line) => ({
        label: line.label,
        stroke: styleOf(line.style).stroke,
        dash: [...styleOf(line.style).dash],
        width: 2,
        points: { show: false },
      })),
    ],
    axes: [axis, { ...axis, size: 56 }],
  };
}

function data(t: readonly number[], spec: ChartSpec): uPlot.AlignedData {
  return [t.map((ms) => ms / 1000), ...spec.lines.map((line) => [...line.values])];
}

/** The caption doubles as the chart's text alternative: the latest and peak value per line. */
function lineText(line: ChartLine, unit: string): string {
  const now = latest(line.values);
  if (now === null) return `${line.label}: no data yet`;
  const gap = unit.startsWith('/') ? '' : ' ';
  return `${line.label}: ${formatRate(now)}${gap}${unit} now, peak ${formatRate(peak(line.values))}`;
}

interface TimeChartProps {
  readonly spec: ChartSpec;
  /** Second starts, ms since the epoch, one per value. */
  readonly t: readonly number[];
}

/** A uPlot line chart in a figure; the canvas is hidden from assistive tech, the caption is not. */
export function TimeChart({ spec, t }: TimeChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const plot = new uPlot(options(spec, Math.max(el.clientWidth, 200)), data(t, spec), el);
    chart.current = plot;
    const resize = new ResizeObserver(() => {
      plot.setSize({ width: Math.max(el.clientWidth, 200), height: HEIGHT });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
      chart.current = null;
    };
    // Built once per chart id; the effect below feeds it each new frame.
  }, [spec.id]);

  useEffect(() => {
    chart.current?.setData(data(t, spec));
  }, [t, spec]);

  return (
    <figure class="chart">
      <figcaption>
        <span class="chart-title">{spec.title}</span>
        <ul class="chart-values">
          {spec.lines.map((line) => (
            <li key={line.label}>
              <span class={`swatch swatch-${line.style}`} aria-hidden="true" />
              {lineText(line, spec.unit)}
            </li>
          ))}
        </ul>
      </figcaption>
      <div ref={holder} class="chart-canvas" aria-hidden="true" />
    </figure>
  );
}
