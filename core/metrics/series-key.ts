import type { MetricSpec } from './catalogue.ts';
import { METRICS_LIMITS } from './limits.ts';

export type Labels = Readonly<Record<string, string>>;

/**
 * The values of a spec's labels in its order (absent ones empty, extra ones dropped, long ones
 * cut), so a label set has one key whatever order or extras it came with.
 */
export function labelValues(spec: MetricSpec, labels: Labels): string[] {
  return spec.labels.map((name) =>
    (labels[name] ?? '').slice(0, METRICS_LIMITS.maxLabelValueChars),
  );
}

export function seriesKey(values: readonly string[]): string {
  return JSON.stringify(values);
}
