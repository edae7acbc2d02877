/** Numbers and times as the report prints them. Pure. */

export const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** "950", "12.3k", "4.5M": for axis labels, where space is short. */
export function compact(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${trim(n / 1e9)}G`;
  if (abs >= 1e6) return `${trim(n / 1e6)}M`;
  if (abs >= 1e3) return `${trim(n / 1e3)}k`;
  return trim(n);
}

function trim(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1).replace(/\.0$/, '');
}

export const percent = (ratio: number | null): string =>
  ratio === null ? '–' : `${(ratio * 100).toFixed(1)} %`;

export const ms = (value: number | null): string =>
  value === null ? '–' : value < 10 ? `${value.toFixed(1)} ms` : `${count(value)} ms`;

/** UTC to the minute: "2025-01-31 09:00Z". */
export const minute = (at: number): string =>
  new Date(at).toISOString().slice(0, 16).replace('T', ' ') + 'Z';

/** "Jan 31" in UTC, for a chart's day ticks. */
export const day = (at: number): string =>
  new Date(at).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** "09:00" in UTC, for a chart's hour ticks. */
export const hourOfDay = (at: number): string => new Date(at).toISOString().slice(11, 16);
