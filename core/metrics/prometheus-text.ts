import { LATENCY_BUCKETS_S, type MetricSpec } from './catalogue.ts';

/** The media type of the text exposition format this module writes. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface Sample {
  /** Label values in the spec's label order. */
  readonly values: readonly string[];
  readonly value: number;
}

export interface HistogramSample {
  readonly values: readonly string[];
  /** Counts per LATENCY_BUCKETS_S slot, not cumulative; the last slot is +Inf. */
  readonly buckets: readonly number[];
  readonly sum: number;
}

export interface CounterFamily {
  readonly spec: MetricSpec;
  readonly samples: readonly Sample[];
}
export type GaugeFamily = CounterFamily;

export interface HistogramFamily {
  readonly spec: MetricSpec;
  readonly samples: readonly HistogramSample[];
}

export type Family =
  | { readonly kind: 'sample'; readonly family: CounterFamily }
  | { readonly kind: 'histogram'; readonly family: HistogramFamily };

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function number(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  const parts = names.map((name, i) => `${name}="${escapeLabel(values[i] ?? '')}"`);
  if (extra !== undefined) parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function header(spec: MetricSpec): string {
  return `# HELP ${spec.name} ${escapeHelp(spec.help)}\n# TYPE ${spec.name} ${spec.type}\n`;
}

function renderSamples({ spec, samples }: CounterFamily): string {
  let out = header(spec);
  for (const s of samples)
    out += `${spec.name}${labelText(spec.labels, s.values)} ${number(s.value)}\n`;
  return out;
}

function renderHistogram({ spec, samples }: HistogramFamily): string {
  let out = header(spec);
  for (const s of samples) {
    let cumulative = 0;
    LATENCY_BUCKETS_S.forEach((le, i) => {
      cumulative += s.buckets[i] ?? 0;
      out += `${spec.name}_bucket${labelText(spec.labels, s.values, `le="${le}"`)} ${cumulative}\n`;
    });
    cumulative += s.buckets[LATENCY_BUCKETS_S.length] ?? 0;
    out += `${spec.name}_bucket${labelText(spec.labels, s.values, 'le="+Inf"')} ${cumulative}\n`;
    out += `${spec.name}_sum${labelText(spec.labels, s.values)} ${number(s.sum)}\n`;
    out += `${spec.name}_count${labelText(spec.labels, s.values)} ${cumulative}\n`;
  }
  return out;
}

/** Prometheus' text exposition format (0.0.4): one HELP and TYPE per family, then its samples. */
export function renderPrometheus(families: readonly Family[]): string {
  return families
    .map((f) => (f.kind === 'histogram' ? renderHistogram(f.family) : renderSamples(f.family)))
    .join('');
}
